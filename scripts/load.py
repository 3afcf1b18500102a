#!/usr/bin/env python3
"""Load test: N podcast clients doing byte-range requests against `audiobrief serve` on 127.0.0.1.

    .venv/bin/python scripts/load.py [--clients 20] [--seconds 10] [FOLDER]

Without FOLDER, the example brief is built with the test engine into a temporary folder (the
audio's content does not matter to the server). The server runs as its own process, exactly as
`audiobrief serve FOLDER --quiet`; each client is a thread with one keep-alive connection that
asks for random ranges of the episodes (as players seeking do), plus the feed now and then.
Prints requests per second, latency percentiles and errors; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import http.client
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_example(folder: Path) -> None:
    subprocess.run([sys.executable, "-m", "audiobrief", "-q", "build", str(ROOT / "examples" / "seed-brief.txt"),
                    "--out", str(folder), "--engine", "fake", "--no-cache"], check=True, cwd=ROOT)


def _enclosures(folder: Path) -> list[tuple[str, int]]:
    channel = ET.parse(folder / "feed.xml").getroot().find("channel")
    assert channel is not None
    found = []
    for item in channel.iter("item"):
        enclosure = item.find("enclosure")
        if enclosure is not None:
            name = enclosure.get("url", "").rsplit("/", 1)[-1]
            found.append((name, (folder / name).stat().st_size))
    if not found:
        raise SystemExit(f"{folder}: the feed lists no episodes")
    return found


def _client(port: int, files: list[tuple[str, int]], until: float, seed: int, latencies: list[float],
            errors: list[str]) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < until:
        if rng.random() < 0.05:
            path, headers, expect = "/feed.xml", {}, 200
        else:
            name, size = rng.choice(files)
            start = rng.randrange(size)
            end = min(size - 1, start + rng.choice((1, 4096, 65536, 262144)))
            path, headers, expect = f"/{name}", {"Range": f"bytes={start}-{end}"}, 206
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != expect:
                errors.append(f"{path}: HTTP {response.status}")
            elif expect == 206 and len(body) != end - start + 1:
                errors.append(f"{path}: {len(body)} bytes for a {end - start + 1}-byte range")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - began)
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="a built show folder (default: build the example)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to run (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "show"
        if args.folder is None:
            _build_example(folder)
        files = _enclosures(folder)
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "audiobrief", "serve", str(folder), "--port", str(port),
                                   "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.1)
            per_client: list[list[float]] = [[] for _ in range(args.clients)]
            errors: list[str] = []
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=_client, args=(port, files, until, i, per_client[i], errors))
                       for i in range(args.clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    latencies = sorted(x for client in per_client for x in client)
    if not latencies:
        print("no request completed", file=sys.stderr)
        return 1

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(f"{args.clients} clients, {elapsed:.1f} s, {len(latencies)} requests: {len(latencies) / elapsed:.0f} requests/s")
    print(f"latency: p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
