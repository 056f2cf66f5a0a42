"""Which version of a package a by-name collection installs (the endpoint's version lookup).

fractal-server 2.14.5 (``get_package_version_from_pypi``) asks PyPI's JSON API,
``GET https://pypi.org/pypi/<name>/json`` with the raw (not normalised) name; from 2.16.4 it
asks the Simple API, ``GET https://pypi.org/simple/<normalised name>/`` (JSON), and takes
``max(versions)`` as the latest, so a pre-release or a yanked release can be the latest
(``latest_version_lookup`` switch; an unparsable version there gives ``"Cannot find latest
version (original error: ...)."``). Then, in both:

* no version requested: the latest (``info.version``, or that maximum);
* a version that is exactly one of the release keys: that version;
* otherwise the releases whose string **starts with** the requested one, and of those the
  largest by plain string sort (not PEP 440: ``"1.2"`` also matches ``1.20.0``, and ``1.2.9``
  sorts after ``1.2.10``); none gives ``"No version starting with <v> found.\\n<hint>"``.

``resolve_package_version`` applies that rule against PyPI's JSON API (with the server's error
messages) when the settings use PyPI, and otherwise against the offline sources pip will use:
the ``find_links`` entries (directories, files, or pages listing files) and a simple index at
``index_url``. Offline, the releases are the versions found in wheel and sdist filenames
(normalised by ``packaging``); files an index page marks ``data-yanked`` are yanked. "Latest"
follows the release: for the JSON API, the highest final release that is not yanked (the highest
pre-release if there is no final one), which is what PyPI's ``info.version`` gives for ordinary
projects; for the Simple API, the highest version of all, pre-releases and yanked included.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from ..profiles.switches import LatestVersionLookup
from ..schemas.names import normalize_package_name
from .settings import CollectionSettings

__all__ = [
    "OfflineRelease",
    "VersionLookupError",
    "archive_name_and_version",
    "archives_at",
    "available_versions",
    "filenames_at",
    "pick_version",
    "resolve_package_version",
]

_T = TypeVar("_T")

_PYPI_TIMEOUT = 5.0
_SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


class VersionLookupError(ValueError):
    """The lookup failed; the message is the server's 422 detail."""


def _hint(name: str) -> str:
    return f"Hint: specify the required version for '{name}'."


def pick_version(name: str, requested: str | None, latest: str, releases: list[str]) -> str:
    """Apply the server's rule to a latest version and a list of release strings."""
    if requested is None:
        return latest
    if requested in releases:
        return requested
    matching = [release for release in releases if release.startswith(requested)]
    if not matching:
        raise VersionLookupError(f"No version starting with {requested} found.\n{_hint(name)}")
    return sorted(matching)[-1]


def resolve_package_version(name: str, requested: str | None, settings: CollectionSettings) -> str:
    """The version a collection of ``name`` (raw, as requested) installs, for the release of
    ``settings``."""
    simple = settings.profile.latest_version_lookup is LatestVersionLookup.SIMPLE_API_MAX
    if settings.uses_pypi:
        if simple:
            releases = _pypi_simple_versions(name, settings.pypi_simple_url)
            return pick_version(name, requested, _max_version(releases), releases)
        latest, releases = _pypi_json_versions(name, settings.pypi_json_url)
        return pick_version(name, requested, latest, releases)
    found = available_releases(name, settings)
    if not found:
        sources = ", ".join(_offline_sources(settings)) or "no find-links and no index"
        raise VersionLookupError(
            f"Could not get {name} from the offline package sources ({sources}) "
            f"(status_code 404).\n{_hint(name)}"
        )
    versions = sorted({release.version for release in found})
    if simple:
        latest = str(max(versions))
    else:
        listed = sorted({release.version for release in found if not release.yanked})
        finals = [version for version in listed if not version.is_prerelease]
        latest = str(max(finals or listed or versions))
    return pick_version(name, requested, latest, [str(version) for version in versions])


def _max_version(versions: list[str]) -> str:
    """``max(versions)`` by PEP 440, with 2.16.4's message for an unparsable one."""
    if not versions:
        raise VersionLookupError(
            "max() iterable argument is empty (the project lists no version; fractal-server "
            "does not handle this error: its endpoint answers HTTP 500)."
        )
    try:
        return max(versions, key=Version)
    except InvalidVersion as error:
        raise VersionLookupError(
            f"Cannot find latest version (original error: {error})."
        ) from error


def _offline_sources(settings: CollectionSettings) -> list[str]:
    sources = list(settings.find_links)
    if not settings.no_index and settings.index_url is not None:
        sources.append(settings.index_url)
    return sources


def _pypi_json_versions(name: str, base_url: str) -> tuple[str, list[str]]:
    """``(info.version, release keys)`` from the JSON API, with the server's messages."""
    url = f"{base_url.rstrip('/')}/{name}/json"
    body = _fetch(urllib.request.Request(url), name)
    return _decode(
        body,
        url,
        name,
        lambda data: (str(data["info"]["version"]), list(data["releases"].keys())),
    )


def _pypi_simple_versions(name: str, base_url: str) -> list[str]:
    """The ``versions`` of the Simple API (JSON), with the server's messages."""
    url = f"{base_url.rstrip('/')}/{normalize_package_name(name)}/"
    request = urllib.request.Request(url, headers={"Accept": _SIMPLE_JSON})
    body = _fetch(request, name)
    return _decode(body, url, name, lambda data: [str(version) for version in data["versions"]])


def _decode(body: bytes, url: str, name: str, pick: Callable[[Any], _T]) -> _T:
    """``pick`` applied to the JSON ``body`` of ``url``; a missing key or a wrong type is the
    server's KeyError message, a body that is not JSON its unknown-error one."""
    try:
        return pick(json.loads(body))
    except (KeyError, TypeError) as error:
        raise VersionLookupError(
            f"A KeyError error occurred while getting {url}.\n{_hint(name)}"
        ) from error
    except ValueError as error:
        raise _unknown_error(url, error) from error


def _fetch(request: urllib.request.Request, name: str) -> bytes:
    """The body of a 200 answer; any other outcome as the server's ``VersionLookupError``."""
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=_PYPI_TIMEOUT) as response:
            status = response.status
            body: bytes = response.read()
    except urllib.error.HTTPError as error:
        raise VersionLookupError(
            f"Could not get {url} (status_code {error.code}).\n{_hint(name)}"
        ) from error
    except TimeoutError as error:
        raise _timeout_error(url, error) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timeout_error(url, error) from error
        raise _unknown_error(url, error) from error
    except Exception as error:
        raise _unknown_error(url, error) from error
    if status != 200:
        raise VersionLookupError(f"Could not get {url} (status_code {status}).\n{_hint(name)}")
    return body


def _timeout_error(url: str, error: BaseException) -> VersionLookupError:
    return VersionLookupError(
        f"A TimeoutException occurred while getting {url}.\nOriginal error: {error}."
    )


def _unknown_error(url: str, error: BaseException) -> VersionLookupError:
    return VersionLookupError(
        f"An unknown error occurred while getting {url}. Original error: {error}."
    )


class OfflineRelease(NamedTuple):
    """A version of a project found in the offline sources, and whether its file is yanked."""

    version: Version
    yanked: bool


def available_releases(name: str, settings: CollectionSettings) -> list[OfflineRelease]:
    """The versions of ``name`` in the find-links entries and the simple index (one entry per
    file; a version counts as yanked only if all its files are)."""
    wanted = canonicalize_name(name)
    archives: list[tuple[str, bool]] = []
    for location in settings.find_links:
        archives.extend(archives_at(location))
    if not settings.no_index and settings.index_url is not None:
        page = f"{settings.index_url.rstrip('/')}/{wanted}/"
        archives.extend(archives_at(page, index_page=True))
    yanked: dict[Version, bool] = {}
    for filename, is_yanked in archives:
        parsed = archive_name_and_version(filename)
        if parsed is not None and parsed[0] == wanted:
            yanked[parsed[1]] = yanked.get(parsed[1], True) and is_yanked
    return [OfflineRelease(version, flag) for version, flag in sorted(yanked.items())]


def available_versions(name: str, settings: CollectionSettings) -> list[Version]:
    """Distinct versions of ``name`` in the find-links entries and the simple index."""
    return [release.version for release in available_releases(name, settings)]


def archive_name_and_version(filename: str) -> tuple[str, Version] | None:
    """``(normalised name, version)`` of a wheel or sdist filename, ``None`` for anything else."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), version


def filenames_at(location: str, *, index_page: bool = False) -> list[str]:
    """Archive filenames at a find-links entry or simple-index page (missing: none)."""
    return [filename for filename, _ in archives_at(location, index_page=index_page)]


def archives_at(location: str, *, index_page: bool = False) -> list[tuple[str, bool]]:
    """``(filename, yanked)`` of the archives at a find-links entry or simple-index page
    (a file is yanked when its anchor has a ``data-yanked`` attribute, PEP 592)."""
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme in ("", "file"):
        path = Path(urllib.request.url2pathname(parsed.path) if parsed.scheme else location)
        if path.is_dir():
            if index_page:
                path = path / "index.html"
            else:
                return [(name, False) for name in sorted(os.listdir(path))]
        if not path.is_file():
            return []
        if path.suffix not in (".html", ".htm"):
            return [(path.name, False)]
        return _links_in_html(path.read_text(encoding="utf-8", errors="replace"))
    try:
        with urllib.request.urlopen(location, timeout=_PYPI_TIMEOUT) as response:
            text = response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError, ValueError):
        return []
    return _links_in_html(text)


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            values = dict(attrs)
            href = values.get("href")
            if href:
                self.links.append((href, "data-yanked" in values))


def _links_in_html(text: str) -> list[tuple[str, bool]]:
    parser = _AnchorParser()
    parser.feed(text)
    names = []
    for href, yanked in parser.links:
        path = urllib.parse.urlparse(href).path
        names.append((urllib.parse.unquote(path.rsplit("/", 1)[-1]), yanked))
    return names
