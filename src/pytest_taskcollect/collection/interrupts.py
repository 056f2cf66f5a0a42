"""Interrupts during a collection: SIGINT and SIGTERM still remove what the collection created.

Ctrl-C raises ``KeyboardInterrupt`` wherever Python is, and a collection catches it like any
failure: it removes its task-group folder, then re-raises. SIGTERM, by default, ends the process
on the spot, which would leave the half-made folder behind and block every later collection
with "... already exists". While a collection runs in the main thread and SIGTERM has its
default handler, ``sigterm_raises`` turns the signal into ``Terminated`` so the same clean-up
runs, then delivers SIGTERM again with the default handler: the process ends as it would have
ended, minus the leftover. A SIGTERM handler installed by the application is left alone (the
``taskcollect`` command uses ``sigterm_raises(redeliver=False)`` around a command, then prints
one line and exits with status 143).

``signals_deferred`` holds SIGINT and SIGTERM back while a clean-up removes a folder, so that a
second Ctrl-C cannot interrupt the removal half-way; they are delivered when it is done.

Signals reach Python's main thread only: a collection in another thread is not interrupted, and
these helpers do nothing there.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Terminated", "signals_deferred", "sigterm_raises"]

_DEFERRED = (signal.SIGINT, signal.SIGTERM)


class Terminated(BaseException):
    """SIGTERM arrived during a collection (raised only while ``sigterm_raises`` is active)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_raises(*, redeliver: bool = True) -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (when its handler was the default and
    this is the main thread). If the block ends with it and ``redeliver`` is true, SIGTERM is
    delivered again with the default handler once the block's clean-up has run; otherwise
    ``Terminated`` propagates (for a command that exits with its own status)."""
    if not _in_main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if redeliver:
            signal.raise_signal(signal.SIGTERM)
        raise  # with redeliver, only reached if SIGTERM is blocked
    finally:
        if signal.getsignal(signal.SIGTERM) is _raise_terminated:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM are recorded instead of handled; afterwards the
    previous handlers are back and each recorded signal is delivered to them."""
    if not _in_main_thread():
        yield
        return
    received: list[int] = []
    previous = {number: signal.getsignal(number) for number in _DEFERRED}
    for number in _DEFERRED:
        signal.signal(number, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)
