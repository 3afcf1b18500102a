"""Speech on a dask.distributed cluster: the render stage's executor, on other machines.

``audiobrief build --scheduler tcp://HOST:8786`` (or ``[cluster] scheduler``, or dask's own
``DASK_SCHEDULER_ADDRESS``) sends every segment to the cluster's workers as a task of
:func:`audiobrief.speech.render_segment`; reading, planning, mastering and publishing stay on the
machine that builds. A worker process loads each voice once (the engines keep their models per
process) and keeps it for every task after; :class:`VoicePlugin` records, per worker, how many voices
it holds, which a test reads to show it is never once per task. A worker that dies mid-build has its
tasks run again on another (dask's ``distributed.scheduler.allowed-failures``).

``distributed`` is the optional extra ``audiobrief[cluster]``, imported only when a scheduler is named.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

from .errors import ClusterError, ConfigError

__all__ = ["CONNECT_TIMEOUT_S", "ENVIRONMENT", "cluster_executor", "scheduler_address", "worker_voices"]

log = logging.getLogger(__name__)

#: How long to try to reach the scheduler before failing (seconds); dask's configuration
#: ``audiobrief.connect-timeout`` (``DASK_AUDIOBRIEF__CONNECT_TIMEOUT=3s``) overrides it.
CONNECT_TIMEOUT_S = 10
#: dask's own way to name a scheduler.
ENVIRONMENT = "DASK_SCHEDULER_ADDRESS"


def scheduler_address(option: str | None, configured: str | None) -> str | None:
    """The scheduler to use: ``--scheduler``, else ``[cluster] scheduler``, else ``$DASK_SCHEDULER_ADDRESS``."""
    return option or configured or os.environ.get(ENVIRONMENT) or None


def _client(address: str, timeout_s: float) -> Any:
    try:
        import dask
        from dask.utils import parse_timedelta
        from distributed import Client
    except ImportError as exc:
        raise ConfigError(f"--scheduler {address}: speaking on a dask cluster needs dask.distributed; run: "
                          "pip install \"audiobrief[cluster]\"") from exc
    configured = dask.config.get("audiobrief.connect-timeout", None)  # DASK_AUDIOBRIEF__CONNECT_TIMEOUT=2s
    if configured is not None:
        timeout_s = float(parse_timedelta(configured))
    try:
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(f"the dask scheduler at {address} cannot be reached ({reason[:160]}); start one with "
                           "`dask scheduler` and workers with `dask worker ADDRESS`, or check the address") from exc


@contextlib.contextmanager
def cluster_executor(address: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[Executor]:
    """A :class:`concurrent.futures.Executor` whose tasks run on the workers of the scheduler at ``address``.

    Connects at once, so an unreachable scheduler fails before any work.

    :raises ClusterError: the scheduler cannot be reached, or has no workers within ``timeout_s``.
    :raises ConfigError: dask.distributed is not installed.
    """
    client = _client(address, timeout_s)
    try:
        try:
            client.wait_for_workers(1, timeout=timeout_s)
        except (TimeoutError, OSError) as exc:
            raise ClusterError(f"the dask scheduler at {address} has no workers; start some with "
                               f"`dask worker {address}`") from exc
        from .workers import VoicePlugin

        with contextlib.suppress(Exception):  # an older dask without register_plugin: the per-process caches remain
            client.register_plugin(VoicePlugin(), name="audiobrief-voices")
        log.info("speaking on the dask cluster at %s (%d workers)", address,
                 len(client.scheduler_info().get("workers", {})))
        yield client.get_executor(pure=False)
    finally:
        client.close()


def worker_voices() -> int:
    """How many voice models this process holds (hibari's and Piper's): run on a worker, once per process."""
    from .tts import hibari, piper

    return hibari.loaded_voices() + piper.loaded_voices()
