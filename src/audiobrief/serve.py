"""``audiobrief serve``: serve a show folder the way podcast apps and smart speakers expect.

HEAD and GET with byte ranges (206 + Content-Range, 416 when unsatisfiable, Accept-Ranges),
ETag and Last-Modified with conditional requests (304), the right Content-Type for every file,
CORS for chapters, transcripts and feeds (web players fetch them cross-origin), no directory
listings, and nothing outside the folder reachable (``..``, encoded traversal, symlinks out).

Under hostile or heavy use: other methods get 405 with ``Allow``; a Range header in another unit,
malformed, or asking for several ranges is ignored (the whole file, 200, as RFC 9110 allows);
oversized request lines and headers get 414/431 (from http.server); a client that stalls is cut
off after ``timeout_s``; a download keeps reading the file it opened, so a rebuild that replaces
or deletes the file midway never mixes old and new bytes. Each request logs one line (logger
``audiobrief.serve``, INFO). For HTTPS, put it behind a reverse proxy (see the README).
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import posixpath
import re
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .standards import SHOW_PAGE_CSP

__all__ = ["CONTENT_TYPES", "make_server", "resolve_path"]

log = logging.getLogger(__name__)

#: File suffix -> Content-Type. Compound suffixes are tried first.
CONTENT_TYPES: dict[str, str] = {
    ".chapters.json": "application/json+chapters",
    "feed.json": "application/feed+json",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".opus": "audio/ogg; codecs=opus",
    ".xml": "application/rss+xml; charset=utf-8",
    ".json": "application/json",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_CORS_SUFFIXES = (".json", ".vtt", ".srt", ".txt", ".xml")
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
_CHUNK = 64 * 1024


def content_type(name: str) -> str:
    """The Content-Type for a file name (``application/octet-stream`` when unknown)."""
    for suffix, mime in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return mime
    return "application/octet-stream"


def resolve_path(root: Path, url_path: str) -> Path | None:
    """The file ``url_path`` names inside ``root``, or None when it is outside, hidden, or not a file.

    >>> resolve_path(Path("/srv/show"), "/../etc/passwd") is None
    True
    """
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    normal = posixpath.normpath("/" + path.lstrip("/"))
    parts = [p for p in normal.split("/") if p]
    if any(p.startswith(".") for p in parts):
        return None  # dot files and temporary files of builds in progress
    candidate = root.joinpath(*parts) if parts else root
    if candidate.is_dir():
        candidate = candidate / "index.html"
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_file() or not real.is_relative_to(root.resolve()):
        return None  # symlinks that leave the folder count as outside
    return real


_ALLOWED = "GET, HEAD, OPTIONS"
#: Larger byte positions than any file can have; longer digit strings are read as this (not parsed).
_HUGE = 10**18


def _position(digits: str) -> int | None:
    """A byte position of a Range header (None when absent); one of thousands of digits is just huge.

    >>> _position(""), _position("42"), _position("9" * 5000) == _HUGE
    (None, 42, True)
    """
    if not digits:
        return None
    return int(digits) if len(digits) <= 18 else _HUGE


class _Handler(BaseHTTPRequestHandler):
    server_version = "audiobrief"
    protocol_version = "HTTP/1.1"
    root: Path
    #: Seconds a client may stall (reading the request or taking the response) before it is cut off.
    timeout = 30.0

    _status: int | None = None
    _sent = 0

    def handle_one_request(self) -> None:
        self._status, self._sent = None, 0
        started = time.monotonic()
        try:
            super().handle_one_request()
        except (TimeoutError, ConnectionError):
            self.close_connection = True  # a stalled or vanished client: drop it, keep serving the others
        status: int | None = getattr(self, "_status", None)  # set by log_request during the request
        if status is not None:
            log.info('%s "%s" %d %d %.1fms', self.client_address[0], self.requestline[:200], status,
                     self._sent, (time.monotonic() - started) * 1000)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self._status = int(code) if str(code).isdigit() else 0

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def __getattr__(self, name: str) -> Any:
        # Every method we do not serve is 405 (http.server would say 501, "not implemented").
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        if self.headers.get("Content-Length", "0").strip() not in ("", "0"):
            self.close_connection = True  # do not read (and wait for) a body we will not use
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, True, {"Allow": _ALLOWED})

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.send_header("Access-Control-Allow-Methods", _ALLOWED)
        self.send_header("Access-Control-Allow-Headers", "Range, If-None-Match, If-Modified-Since")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag")

    def _error(self, status: HTTPStatus, body: bool, extra: dict[str, str] | None = None) -> None:
        message = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        if body:
            self.wfile.write(message)
            self._sent += len(message)

    def _serve(self, body: bool) -> None:
        path = resolve_path(self.root, self.path)
        if path is None:
            self._error(HTTPStatus.NOT_FOUND, body)
            return
        stat = path.stat()
        size = stat.st_size
        etag = '"' + hashlib.sha1(f"{path.name}:{size}:{stat.st_mtime_ns}".encode()).hexdigest()[:20] + '"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Accept-Ranges": "bytes",
                   "Content-Type": content_type(path.name), "X-Content-Type-Options": "nosniff",
                   "Cache-Control": "no-cache" if path.suffix in (".xml", ".html", ".json", ".js") else "public, max-age=86400"}
        if self._not_modified(etag, stat.st_mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for key in ("ETag", "Last-Modified", "Cache-Control"):
                self.send_header(key, headers[key])
            if path.name.endswith(_CORS_SUFFIXES):
                self._cors()
            self.end_headers()
            return
        start, end = 0, size - 1
        status = HTTPStatus.OK
        requested = self.headers.get("Range")
        match = _RANGE.fullmatch(requested.strip()) if requested else None
        # Another unit, a malformed value, or several ranges: ignored (the whole file), as RFC 9110 allows.
        if match is not None and match.groups() != ("", "") and self.headers.get("If-Range") in (None, etag, modified):
            first, last = (_position(g) for g in match.groups())
            if first is None:
                assert last is not None
                start, end = max(0, size - last), size - 1
            else:
                start, end = first, min(last, size - 1) if last is not None else size - 1
            if start >= size or start > end:
                self._error(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, body, {"Content-Range": f"bytes */{size}"})
                return
            status = HTTPStatus.PARTIAL_CONTENT
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        if path.suffix == ".html":
            headers["Content-Security-Policy"] = SHOW_PAGE_CSP
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(end - start + 1))
        if path.name.endswith(_CORS_SUFFIXES) or path.suffix in (".mp3", ".m4a", ".opus"):
            self._cors()
        self.end_headers()
        if not body:
            return
        try:
            handle = path.open("rb")
        except OSError:
            self.close_connection = True  # deleted by a rebuild since the stat: the client retries
            return
        # One open file for the whole response: a rebuild that replaces or deletes it meanwhile
        # cannot mix old and new bytes.
        with handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = handle.read(min(_CHUNK, remaining))
                if not chunk:
                    self.close_connection = True  # shorter than announced: do not reuse the connection
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    self.close_connection = True
                    return  # the client went away (players often abort a download to seek) or stalled
                self._sent += len(chunk)
                remaining -= len(chunk)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            return int(mtime) <= parsed.timestamp()
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(root: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000, *,
                timeout_s: float = 30.0) -> ThreadingHTTPServer:
    """A threaded HTTP server for ``root`` (call ``serve_forever()``; port 0 picks a free port).

    :param timeout_s: how long a client may stall before its connection is closed.
    """
    folder = Path(root).resolve()
    handler = type("Handler", (_Handler,), {"root": folder, "timeout": timeout_s})
    return _Server((host, port), handler)
