"""A small HTTP client for the fractal-server API (standard library only).

It logs in with the login form, sends the pip-collection request as a multipart form (an
optional ``file`` plus form fields, sent verbatim) and the custom-collection request as JSON,
and reads task-group activities. Non-2xx answers are returned, not raised: a 422 is a result the
tests compare.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ApiResponse", "FractalClient"]

TIMEOUT_S = 120


@dataclass(frozen=True)
class ApiResponse:
    """An HTTP answer: status code and decoded JSON body (``None`` when empty)."""

    status: int
    body: Any

    @property
    def detail(self) -> Any:
        """The ``detail`` of an error answer (a string or a list for a 422)."""
        return self.body.get("detail") if isinstance(self.body, dict) else None


def _multipart(fields: dict[str, str], file: tuple[str, bytes] | None) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type."""
    boundary = f"taskcollect-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    if file is not None:
        filename, contents = file
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + contents
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class FractalClient:
    """Requests against one server as one user (a bearer token from the login form)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        self._credentials: tuple[str, str] | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        timeout: float = TIMEOUT_S,
        retry: bool = True,
    ) -> ApiResponse:
        """Send one request; an expired token (401) is renewed once and the request resent."""
        headers = {"Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.base_url}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        if status == 401 and self._credentials is not None and retry:
            self.login(*self._credentials)
            return self.request(
                method, path, data=data, content_type=content_type, timeout=timeout, retry=False
            )
        return ApiResponse(status, body)

    def get(self, path: str, *, timeout: float = TIMEOUT_S) -> ApiResponse:
        return self.request("GET", path, timeout=timeout)

    def post_json(self, path: str, payload: object) -> ApiResponse:
        return self.request(
            "POST", path, data=json.dumps(payload).encode(), content_type="application/json"
        )

    def login(self, username: str, password: str) -> None:
        """Get a bearer token with ``POST /auth/token/login/`` (form fields)."""
        form = urllib.parse.urlencode({"username": username, "password": password}).encode()
        self.token = None
        answer = self.request(
            "POST",
            "/auth/token/login/",
            data=form,
            content_type="application/x-www-form-urlencoded",
            retry=False,
        )
        if answer.status != 200:
            raise RuntimeError(f"login as {username} failed: {answer.status} {answer.body}")
        self.token = answer.body["access_token"]
        self._credentials = (username, password)

    def collect_pip(
        self, *, wheel: Path | None = None, filename: str | None = None, **fields: object
    ) -> ApiResponse:
        """``POST /api/v2/task/collect/pip/``: the wheel (uploaded as ``filename``, default
        its own name) and the form fields; dict fields are sent as JSON strings."""
        form = {
            key: json.dumps(value) if isinstance(value, dict) else str(value)
            for key, value in fields.items()
            if value is not None
        }
        upload = None
        if wheel is not None:
            upload = (filename or wheel.name, wheel.read_bytes())
        body, content_type = _multipart(form, upload)
        return self.request(
            "POST", "/api/v2/task/collect/pip/", data=body, content_type=content_type
        )

    def collect_custom(self, payload: dict[str, object]) -> ApiResponse:
        """``POST /api/v2/task/collect/custom/`` with a JSON body."""
        return self.post_json("/api/v2/task/collect/custom/", payload)

    def activity(self, activity_id: int) -> ApiResponse:
        """``GET /api/v2/task-group/activity/<id>/``."""
        return self.get(f"/api/v2/task-group/activity/{activity_id}/")
