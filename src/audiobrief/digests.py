"""Content digests of the files a build depends on (voice models, producer sounds and artwork).

A build's keys must change when a file's *content* changes, not only its name or size, yet an
unchanged rebuild must not read a 60 MB voice model again. So a file's SHA-256 is remembered by
(path, size, modification time, inode): in this process, and across processes in
``digests.json`` beside the segment cache. A file replaced or edited in place gets a new
modification time or inode and is read again; the memo file is only ever a shortcut, and one that
is unreadable or cannot be written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from pathlib import Path

__all__ = ["file_sha256"]

log = logging.getLogger(__name__)

_MEMO_NAME = "digests.json"
_MAX_REMEMBERED = 256
_lock = threading.Lock()
_memo: dict[str, str] = {}
_loaded_from: Path | None = None


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}"


def _memo_path() -> Path:
    from .cache import default_cache_dir

    return default_cache_dir() / _MEMO_NAME


def _load(memo_path: Path) -> None:
    global _loaded_from
    if _loaded_from == memo_path:
        return
    _loaded_from = memo_path
    try:
        data = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        _memo.update({k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and len(v) == 64})


def _save(memo_path: Path) -> None:
    from .publishing.store import atomic_write

    newest = dict(list(_memo.items())[-_MAX_REMEMBERED:])
    with contextlib.suppress(OSError):
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(memo_path, json.dumps(newest, indent=0).encode())


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of ``path``'s bytes, read only when the file changed since it was last digested.

    :raises OSError: the file cannot be read.
    """
    resolved = Path(path).resolve()
    stamp = _stamp(resolved)
    memo_path = _memo_path()
    with _lock:
        _load(memo_path)
        known = _memo.get(stamp)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with resolved.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    if _stamp(resolved) != stamp:  # changed while being read: do not remember a digest of a moving target
        return value
    with _lock:
        _memo.pop(stamp, None)
        _memo[stamp] = value
        _save(memo_path)
    log.debug("digested %s", resolved)
    return value
