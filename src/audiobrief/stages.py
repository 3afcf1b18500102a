"""The build's stages, by name: what its progress events report, and what the CLI shows.

The pipeline (:mod:`audiobrief.pipeline`) runs them in this order: read the briefs, plan each
episode, render its segments (ahead, on an executor: threads, or a dask cluster), master each
episode as its segments arrive, publish. Kept apart from the pipeline so that the CLI can name
them without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ProgressEvent", "Stage"]


class Stage(StrEnum):
    """The build's stages as its progress events name them (the CLI and the library share these)."""

    PLANNED = "planned"
    """Planned: ``total`` segments to speak, ``done`` of them from the cache, ``episodes`` to make."""
    SEGMENT = "segment"
    """One more segment ready (from the cache or spoken)."""
    MASTERING = "mastering"
    """An episode being mastered, encoded and tagged."""
    EPISODE = "episode"
    """One episode done; ``detail`` says ``built`` or ``unchanged``."""
    PUBLISHING = "publishing"
    """The new files going into the folder, the feeds last."""


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Where a build is: its :class:`Stage`, and the counts and the brief that stage reports."""

    stage: Stage
    brief_id: str = ""
    done: int = 0
    total: int = 0
    detail: str = ""
    cached: int = 0
    synthesized: int = 0
    episodes: int = 0
