"""The segment cache on object storage, through fsspec (``s3://bucket/prefix``, or any fsspec URL).

Each entry is one object, written by one PUT of the whole entry, so a reader sees a whole entry or
none: there is no rename on object storage, and none is needed. An object that is truncated or
corrupt (another writer's bug, a manual copy) is a miss, deleted when it can be. Credentials and
the endpoint come from the standard AWS environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_ENDPOINT_URL``) or from fsspec's storage options (``[cache] storage_options``). Reading an
object does not change it, so on object storage ``prune --older-than`` counts from when an entry
was written, not last used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import ConfigError
from ..models import SpokenSegment
from .format import SUFFIX, CacheInfo, decode, encode, entry_name

__all__ = ["ObjectStoreCache"]

log = logging.getLogger(__name__)


def filesystem(url: str, storage_options: Mapping[str, Any] | None = None) -> tuple[Any, str]:
    """fsspec's filesystem for ``url`` and the path in it (no trailing slash).

    :raises ConfigError: fsspec, or the filesystem's package (``s3fs`` for ``s3://``), is not installed.
    """
    try:
        import fsspec
    except ImportError as exc:
        raise ConfigError(f"{url}: object storage needs fsspec and s3fs; run: pip install \"audiobrief[cluster]\"") from exc
    try:
        fs, path = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
    except ImportError as exc:
        raise ConfigError(f"{url}: {exc}; run: pip install \"audiobrief[cluster]\"") from exc
    except ValueError as exc:
        raise ConfigError(f"{url}: not a storage URL fsspec knows ({exc})") from exc
    return fs, str(path).rstrip("/")


def _age_s(detail: Mapping[str, Any], now: float) -> float | None:
    stamp = detail.get("LastModified") or detail.get("mtime") or detail.get("last_modified")
    if stamp is None:
        return None
    seconds = stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp)
    return max(0.0, now - seconds)


class ObjectStoreCache:
    """Segments as objects under ``url`` (``url/ab/<key>.seg``)."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.url = url.rstrip("/")
        self.storage_options = dict(storage_options or {})
        self.fs, self.root = filesystem(self.url, self.storage_options)
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"ObjectStoreCache({self.url!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # to a worker: the URL and options, not a live connection
        return (ObjectStoreCache, (self.url, self.storage_options))

    @property
    def location(self) -> str:
        return self.url

    def _path(self, key: str) -> str:
        return f"{self.root}/{entry_name(key)}"

    def require(self, *, create: bool) -> None:
        """Fail, naming the URL, unless the bucket can be listed (and, with ``create``, written)."""
        try:
            self.fs.ls(self.root.split("/", 1)[0], detail=False)
            if create:
                probe = f"{self.root}/.audiobrief-probe"
                self.fs.pipe_file(probe, b"ok")
                self.fs.rm_file(probe)
        except Exception as exc:
            raise ConfigError(f"{self.url}: the cache cannot be {'written' if create else 'read'} ({error_reason(exc)}); "
                              "check the bucket, the endpoint (AWS_ENDPOINT_URL) and the credentials "
                              "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), or use --no-cache") from exc

    def get(self, key: str, segment_id: str) -> SpokenSegment | None:
        path = self._path(key)
        try:
            data = self.fs.cat_file(path)
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception as exc:
            log.warning("cache object %s unreadable (%s); synthesizing again", path, error_reason(exc))
            self.misses += 1
            return None
        spoken = decode(data, segment_id)
        if spoken is None:
            log.warning("cache object %s is corrupt or truncated; synthesizing again", path)
            try:
                self.fs.rm_file(path)
            except Exception:
                log.debug("could not delete %s", path, exc_info=True)
            self.misses += 1
            return None
        self.hits += 1
        return spoken

    def put(self, key: str, spoken: SpokenSegment) -> None:
        try:
            self.fs.pipe_file(self._path(key), encode(spoken))  # one PUT of the whole entry
        except Exception as exc:
            log.warning("cannot write the segment cache at %s (%s); continuing without it", self.url, error_reason(exc))

    def has(self, key: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(key)))
        except Exception:
            return False

    def keys(self) -> Iterator[str]:
        """The key of every entry (one listing of the prefix)."""
        for path, _ in self._entries():
            yield path.rsplit("/", 1)[-1].removesuffix(SUFFIX)

    def _entries(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        try:
            found = self.fs.find(self.root, detail=True)
        except FileNotFoundError:
            return
        for path, detail in found.items():
            if str(path).endswith(SUFFIX):
                yield str(path), detail

    def info(self) -> CacheInfo:
        now = time.time()
        count = size = 0
        oldest = newest = None
        for _, detail in self._entries():
            count += 1
            size += int(detail.get("size") or 0)
            age = _age_s(detail, now)
            if age is not None:
                oldest = age if oldest is None else max(oldest, age)
                newest = age if newest is None else min(newest, age)
        return CacheInfo(self.url, count, size, oldest, newest)

    def prune(self, older_than_s: float | None = None) -> tuple[int, int]:
        if older_than_s is not None and older_than_s < 0:
            raise ConfigError("--older-than must not be negative")
        now = time.time()
        doomed = [(path, int(detail.get("size") or 0)) for path, detail in self._entries()
                  if older_than_s is None or (_age_s(detail, now) or 0.0) >= older_than_s]
        if doomed:
            self.fs.rm([path for path, _ in doomed])
        return len(doomed), sum(size for _, size in doomed)


def error_reason(exc: BaseException) -> str:
    """The first line of what a storage client raised (its messages can run to a whole XML body)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
