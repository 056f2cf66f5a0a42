"""The ``taskcollect`` command: collect Fractal task packages the way fractal-server does.

Sub-commands arrive with the collection runners; ``--help`` and ``--version`` work already.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import __version__

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``taskcollect``."""
    parser = argparse.ArgumentParser(
        prog="taskcollect",
        description=(
            "Check that fractal-server 2.14.5 would collect a Fractal task package, "
            "without running the server."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (fractal-server 2.14.5)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``taskcollect`` and return its exit status."""
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
