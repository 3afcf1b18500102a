"""The segment cache: leveled speech, addressed by everything that changes its sound.

A segment's key (see :func:`audiobrief.plan.segment_key`) hashes the engine's fingerprint, the
leveling target and the sentences, so the same text in the same voice is synthesized once, across
builds, briefs, digests, and machines that share a cache. A cache lives in a local folder
(:class:`SegmentCache`) or on any fsspec URL (:class:`ObjectStoreCache`: ``s3://bucket/prefix``, or
R2, B2, MinIO, SeaweedFS through their S3 endpoints), behind one small protocol, :class:`Cache`.
Either way a corrupt or half-written entry is a miss, never a crash.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..models import SpokenSegment
from .format import CacheInfo
from .local import STALE_TMP_S, SegmentCache

__all__ = ["STALE_TMP_S", "Cache", "CacheInfo", "ObjectStoreCache", "SegmentCache", "default_cache_dir", "is_url",
           "open_cache"]


@runtime_checkable
class Cache(Protocol):
    """What the pipeline asks of a segment cache."""

    hits: int
    misses: int

    @property
    def location(self) -> str:
        """Where the cache is (a folder or a URL), for messages."""
        ...

    def get(self, key: str, segment_id: str) -> SpokenSegment | None:
        """The segment for ``key`` (named ``segment_id``), or None on a miss or a bad entry."""
        ...

    def put(self, key: str, spoken: SpokenSegment) -> None:
        """Store ``spoken`` under ``key`` as one whole entry; a cache that cannot be written only warns."""
        ...

    def has(self, key: str) -> bool:
        """Whether an entry for ``key`` exists."""
        ...

    def keys(self) -> Iterator[str]:
        """The key of every entry, in no particular order."""
        ...

    def info(self) -> CacheInfo:
        """Entries, total size and age."""
        ...

    def prune(self, older_than_s: float | None = None) -> tuple[int, int]:
        """Delete entries unused for ``older_than_s`` seconds (all when None): (entries, bytes) removed."""
        ...

    def require(self, *, create: bool) -> None:
        """Fail with a :class:`~audiobrief.errors.ConfigError` naming the fix unless the cache is usable."""
        ...


def default_cache_dir() -> Path:
    """``$AUDIOBRIEF_CACHE_DIR``, else the user's cache folder (``~/.cache/audiobrief`` on Linux)."""
    env = os.environ.get("AUDIOBRIEF_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiobrief", appauthor=False))


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is an fsspec URL (``s3://...``) rather than a folder (``file://`` is a folder)."""
    text = os.fspath(location)
    return "://" in text and not text.startswith("file://")


def open_cache(location: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None) -> Cache:
    """The cache at ``location``: a folder, or an fsspec URL with its ``storage_options``."""
    text = os.fspath(location)
    if is_url(text):
        from .objects import ObjectStoreCache

        return ObjectStoreCache(text, storage_options)
    return SegmentCache(text.removeprefix("file://"))


def __getattr__(name: str) -> Any:  # ObjectStoreCache imports fsspec only when it is asked for
    if name == "ObjectStoreCache":
        from .objects import ObjectStoreCache

        return ObjectStoreCache
    raise AttributeError(name)
