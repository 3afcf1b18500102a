"""The segment cache in a local folder (``root/ab/<key>.seg``).

Entries are written through a temporary file and a rename; an entry that is truncated or corrupt
counts as a miss and is replaced, never a crash. Reading an entry touches it, so ``prune
--older-than`` drops what went unused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError
from ..models import SpokenSegment
from .format import SUFFIX, CacheInfo, decode, encode, entry_name

__all__ = ["STALE_TMP_S", "SegmentCache"]

log = logging.getLogger(__name__)

#: A temporary file this old (seconds) was left by a build that died; a younger one may be a write in progress.
STALE_TMP_S = 3600


class SegmentCache:
    """Content-addressed store of spoken segments under ``root`` (``root/ab/<key>.seg``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"SegmentCache({str(self.root)!r})"

    def require(self, *, create: bool) -> None:
        """Fail unless the cache is usable (see :meth:`require_folder`)."""
        self.require_folder(create=create)

    def require_folder(self, *, create: bool) -> None:
        """Fail unless the cache's folder is usable: not a file, and (with ``create``) creatable.

        For a folder the producer chose (``--cache``, ``[cache] dir``); the default location only
        warns when it cannot be written, since speech can still be made without it.

        :raises ConfigError: naming the folder and the fix.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"{self.root}: the cache folder is not a folder; choose another --cache "
                              "(or [cache] dir), or use --no-cache")
        if create:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"{self.root}: cannot create the cache folder ({exc.strerror or exc}); choose "
                                  "another --cache (or [cache] dir), or use --no-cache") from exc

    @property
    def location(self) -> str:
        """Where the cache is, as its producer would write it."""
        return str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / entry_name(key)

    def has(self, key: str) -> bool:
        """Whether an entry for ``key`` exists (it may still turn out corrupt when read)."""
        return self._path(key).is_file()

    def get(self, key: str, segment_id: str) -> SpokenSegment | None:
        """The cached segment for ``key`` (named ``segment_id``), or None on a miss or a bad entry."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as exc:
            log.warning("cache entry %s unreadable (%s); synthesizing again", path, exc)
            self.misses += 1
            return None
        spoken = decode(data, segment_id)
        if spoken is None:
            log.warning("cache entry %s is corrupt or truncated; synthesizing again", path)
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # last used, for prune --older-than
        self.hits += 1
        return spoken

    def put(self, key: str, spoken: SpokenSegment) -> None:
        """Store ``spoken`` under ``key`` atomically; a cache that cannot be written only logs a warning."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(encode(spoken))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("cannot write the segment cache at %s (%s); continuing without it "
                        "(choose a writable folder with --cache DIR or [cache] dir)", self.root, exc)

    def keys(self) -> Iterator[str]:
        """The key of every entry."""
        for path in self._entries():
            yield path.name.removesuffix(SUFFIX)

    def _entries(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from self.root.glob(f"??/*{SUFFIX}")

    def info(self) -> CacheInfo:
        """Entries, total size and age of the cache."""
        now = time.time()
        count = size = 0
        oldest = newest = None
        for path in self._entries():
            try:
                stat = path.stat()
            except OSError:
                continue
            count += 1
            size += stat.st_size
            age = max(0.0, now - stat.st_mtime)
            oldest = age if oldest is None else max(oldest, age)
            newest = age if newest is None else min(newest, age)
        return CacheInfo(str(self.root), count, size, oldest, newest)

    def prune(self, older_than_s: float | None = None) -> tuple[int, int]:
        """Delete entries unused for ``older_than_s`` seconds (all when None), and stale temporary files.

        A temporary file younger than :data:`STALE_TMP_S` may be another build's write in progress,
        so it stays; an older one was left by a build that died.

        :returns: (entries removed, bytes freed).
        """
        if older_than_s is not None and older_than_s < 0:
            raise ConfigError("--older-than must not be negative")
        now = time.time()
        removed = freed = 0
        stray = self.root.glob("??/.*.tmp") if self.root.is_dir() else iter(())
        for path in [*self._entries(), *stray]:
            try:
                stat = path.stat()
                age = now - stat.st_mtime
                if path.suffix == SUFFIX and older_than_s is not None and age < older_than_s:
                    continue
                if path.suffix != SUFFIX and age < STALE_TMP_S:
                    continue
                path.unlink()
            except OSError:
                continue
            removed += path.suffix == SUFFIX
            freed += stat.st_size
        return removed, freed
