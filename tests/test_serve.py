"""``audiobrief serve`` under hostile and heavy use: methods, odd headers, stalled clients, rebuilds mid-download."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiobrief.serve import make_server

from .conftest import ROOT

SIZE = 8 * 1024 * 1024  # larger than loopback socket buffers, so a download really is in progress


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "episode.mp3").write_bytes(os.urandom(SIZE))
    (folder / "feed.xml").write_text("<rss/>")
    server = make_server(folder, "127.0.0.1", 0, timeout_s=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], folder
    finally:
        server.shutdown()
        server.server_close()


def _raw(port: int, request: bytes, *, read_s: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=read_s) as sock:
        sock.sendall(request)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and request.startswith(b"HEAD"):
                    break
    return b"".join(chunks)


class _Response:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name)

    def read(self) -> bytes:
        return self.body


def _get(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> _Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        return _Response(conn.getresponse())
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "BREW"])
def test_other_methods_are_405_with_allow(site, method: str) -> None:
    port, _ = site
    response = _get(port, method, "/feed.xml")
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD, OPTIONS"
    response.read()


@pytest.mark.parametrize("value", ["bytes=0-1,5-9", "bytes=abc", "lines=1-2", "bytes=--3", "bytes=1-2-3", "bytes= 0 - 1x"])
def test_malformed_and_multiple_ranges_get_the_whole_file(site, value: str) -> None:
    port, folder = site
    response = _get(port, "GET", "/episode.mp3", {"Range": value})
    assert response.status == 200 and response.getheader("Content-Range") is None
    assert response.read() == (folder / "episode.mp3").read_bytes()


def test_huge_headers_are_refused_and_the_server_lives_on(site) -> None:
    port, _ = site
    long_line = _raw(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
    assert long_line.startswith(b"HTTP/1.1 431") or long_line.startswith(b"HTTP/1.0 431")
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    assert b" 431 " in _raw(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")[:20]
    huge_uri = _raw(port, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
    assert b" 414 " in huge_uri[:20]
    assert _get(port, "GET", "/feed.xml").status == 200


def test_a_stalled_client_is_cut_off_and_others_are_served_meanwhile(site) -> None:
    port, _ = site
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.sendall(b"GET /feed.xml HTTP/1.1\r\nHo")  # and then nothing (slowloris)
        started = time.monotonic()
        assert _get(port, "GET", "/feed.xml").status == 200  # another client is not held up
        slow.settimeout(5)
        assert slow.recv(100) == b""  # the server closed it ...
        assert time.monotonic() - started < 4  # ... after its 1 s timeout


def test_a_download_during_a_rebuild_keeps_consistent_bytes(site) -> None:
    port, folder = site
    original = (folder / "episode.mp3").read_bytes()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/episode.mp3")
    response = conn.getresponse()
    first = response.read(65536)
    # a rebuild replaces the file atomically (and later deletes old episodes) while the client reads
    replacement = folder / ".episode.mp3.tmp"
    replacement.write_bytes(os.urandom(SIZE))
    os.replace(replacement, folder / "episode.mp3")
    rest = response.read()
    conn.close()
    assert first + rest == original
    (folder / "episode.mp3").write_bytes(original)


def test_each_request_logs_one_line(site, caplog: pytest.LogCaptureFixture) -> None:
    port, _ = site
    with caplog.at_level(logging.INFO, logger="audiobrief.serve"):
        _get(port, "GET", "/feed.xml").read()
        _get(port, "GET", "/episode.mp3", {"Range": "bytes=0-99"}).read()
        _get(port, "GET", "/missing").read()
        _get(port, "DELETE", "/feed.xml").read()
        deadline = time.monotonic() + 5.0  # a server thread logs after its client has the answer
        while time.monotonic() < deadline and len([r for r in caplog.records if r.name == "audiobrief.serve"]) < 4:
            time.sleep(0.02)
        time.sleep(0.1)  # and no fifth line follows
    lines = [r.getMessage() for r in caplog.records if r.name == "audiobrief.serve"]
    assert len(lines) == 4, lines
    assert any('"GET /feed.xml HTTP/1.1" 200 6 ' in line for line in lines), lines
    assert any('"GET /episode.mp3 HTTP/1.1" 206 100 ' in line for line in lines), lines
    assert any('"GET /missing HTTP/1.1" 404 ' in line for line in lines), lines
    assert any('"DELETE /feed.xml HTTP/1.1" 405 ' in line for line in lines), lines


def test_serve_prints_access_lines_and_quiet_silences_them(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text("<rss/>")

    def run(*extra: str) -> str:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "audiobrief", "serve", str(tmp_path), "--port", str(port), *extra],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    _get(port, "GET", "/feed.xml").read()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.1)
        finally:
            time.sleep(0.2)
            proc.terminate()
            _, err = proc.communicate(timeout=10)
        return err

    assert '"GET /feed.xml HTTP/1.1" 200 6' in run()
    assert "GET /feed.xml" not in run("--quiet")


def test_load_script_reports_its_figures_with_zero_errors() -> None:
    run = subprocess.run([sys.executable, "scripts/load.py", "--clients", "4", "--seconds", "1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "requests/s" in run.stdout and "p99" in run.stdout and "errors: 0" in run.stdout


@pytest.mark.parametrize(("value", "status"), [
    ("bytes=" + "9" * 5000 + "-", 416),                   # a first byte past any file: unsatisfiable
    ("bytes=0-" + "9" * 5000, 206),                       # a last byte past the end: up to the end
    ("bytes=-" + "9" * 5000, 206),                        # a suffix longer than the file: the whole file
    ("bytes=\u0661-\u0662", 200),                         # digits of another script: nonsense, ignored
])
def test_ranges_of_any_length_are_parsed_defensively(site, value: str, status: int,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    port, _ = site
    request = f"GET /episode.mp3 HTTP/1.1\r\nHost: x\r\nRange: {value}\r\nConnection: close\r\n\r\n"
    reply = _raw(port, request.encode("latin-1", "replace"))
    assert reply.startswith(f"HTTP/1.1 {status} ".encode()), reply[:200]
    if status == 416:
        assert f"Content-Range: bytes */{SIZE}".encode() in reply
    if status == 206:
        assert f"Content-Range: bytes 0-{SIZE - 1}/{SIZE}".encode() in reply
    assert _get(port, "HEAD", "/feed.xml").status == 200  # the server lives on
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_show_page_is_served_with_its_content_security_policy(site) -> None:
    from audiobrief.standards import SHOW_PAGE_CSP

    port, folder = site
    (folder / "index.html").write_text("<!doctype html><title>x</title>")
    page = _get(port, "GET", "/index.html")
    assert page.getheader("Content-Security-Policy") == SHOW_PAGE_CSP
    assert "'unsafe-inline'" not in SHOW_PAGE_CSP.split("script-src")[1].split(";")[0]
    assert page.getheader("X-Content-Type-Options") == "nosniff"
