"""The segment cache: leveled speech on disk, addressed by everything that changes its sound.

A segment's key (see :func:`audiobrief.plan.segment_key`) hashes the engine's fingerprint, the
leveling target and the sentences, so the same text in the same voice is synthesized once, across
builds, briefs and digests. Entries are written through a temporary file and a rename; an entry
that is truncated or corrupt (its checksum does not match) counts as a miss and is replaced,
never a crash. Reading an entry touches it, so ``prune --older-than`` drops what went unused.

Entry format: ``ABSEG1\\n``, a 4-byte big-endian header length, a JSON header (sample rate,
sentences, frames per sentence, SHA-256 of the samples), then signed 16-bit little-endian PCM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import struct
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import ConfigError
from .models import SpokenSegment

__all__ = ["STALE_TMP_S", "CacheInfo", "SegmentCache", "default_cache_dir"]

log = logging.getLogger(__name__)

#: A temporary file this old (seconds) was left by a build that died; a younger one may be a write in progress.
STALE_TMP_S = 3600

_MAGIC = b"ABSEG1\n"
_SUFFIX = ".seg"


def default_cache_dir() -> Path:
    """``$AUDIOBRIEF_CACHE_DIR``, else the user's cache folder (``~/.cache/audiobrief`` on Linux)."""
    env = os.environ.get("AUDIOBRIEF_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiobrief", appauthor=False))


@dataclasses.dataclass(frozen=True, slots=True)
class CacheInfo:
    """What the cache holds."""

    path: Path
    entries: int
    size_bytes: int
    oldest_s: float | None
    """Seconds since the least recently used entry was last used."""
    newest_s: float | None


class SegmentCache:
    """Content-addressed store of spoken segments under ``root`` (``root/ab/<key>.seg``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"SegmentCache({str(self.root)!r})"

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

    def _path(self, key: str) -> Path:
        if len(key) < 8 or not key.isalnum():
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / key[:2] / f"{key}{_SUFFIX}"

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
        spoken = _decode(data, segment_id)
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
                    handle.write(_encode(spoken))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("cannot write the segment cache at %s (%s); continuing without it "
                        "(choose a writable folder with --cache DIR or [cache] dir)", self.root, exc)

    def _entries(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from self.root.glob(f"??/*{_SUFFIX}")

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
        return CacheInfo(self.root, count, size, oldest, newest)

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
                if path.suffix == _SUFFIX and older_than_s is not None and age < older_than_s:
                    continue
                if path.suffix != _SUFFIX and age < STALE_TMP_S:
                    continue
                path.unlink()
            except OSError:
                continue
            removed += path.suffix == _SUFFIX
            freed += stat.st_size
        return removed, freed


def _encode(spoken: SpokenSegment) -> bytes:
    pcm = b"".join(spoken.pcm)
    header = json.dumps({
        "sample_rate_hz": spoken.sample_rate_hz,
        "sentences": list(spoken.sentences),
        "frames": [len(p) // 2 for p in spoken.pcm],
        "sha256": hashlib.sha256(pcm).hexdigest(),
    }, ensure_ascii=False).encode()
    return _MAGIC + struct.pack(">I", len(header)) + header + pcm


def _decode(data: bytes, segment_id: str) -> SpokenSegment | None:
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 4:
        return None
    start = len(_MAGIC) + 4
    (length,) = struct.unpack(">I", data[len(_MAGIC):start])
    try:
        header = json.loads(data[start:start + length])
        rate = int(header["sample_rate_hz"])
        sentences = [str(s) for s in header["sentences"]]
        frames = [int(f) for f in header["frames"]]
        digest = str(header["sha256"])
    except (ValueError, KeyError, TypeError):
        return None
    pcm = data[start + length:]
    if (len(sentences) != len(frames) or not sentences or rate <= 0 or sum(frames) * 2 != len(pcm)
            or hashlib.sha256(pcm).hexdigest() != digest):
        return None
    buffers, offset = [], 0
    for count in frames:
        buffers.append(pcm[offset:offset + count * 2])
        offset += count * 2
    return SpokenSegment(segment_id, tuple(sentences), tuple(buffers), rate)
