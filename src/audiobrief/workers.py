"""What runs inside a dask worker process (imported there, and by :mod:`audiobrief.cluster` only when a
scheduler is named: it imports dask.distributed)."""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["VoicePlugin"]


class VoicePlugin(WorkerPlugin):
    """Set up every worker process for speech: malloc tuned as for a local build (see tune_malloc); the voice
    models are kept per process by the engines themselves, never reloaded per task."""

    name = "audiobrief-voices"

    def setup(self, worker: Any) -> None:
        """Called once per worker process."""
        from .cli.app import tune_malloc

        tune_malloc()
