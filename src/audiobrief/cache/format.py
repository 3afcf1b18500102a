"""The segment cache's entry format, shared by every place a cache can live.

Entry format: ``ABSEG1\\n``, a 4-byte big-endian header length, a JSON header (sample rate,
sentences, frames per sentence, SHA-256 of the samples), then signed 16-bit little-endian PCM. An
entry whose checksum does not match is not an entry (:func:`decode` returns None).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import struct

from ..models import SpokenSegment

__all__ = ["SUFFIX", "CacheInfo", "decode", "encode", "entry_name"]

MAGIC = b"ABSEG1\n"
SUFFIX = ".seg"


@dataclasses.dataclass(frozen=True, slots=True)
class CacheInfo:
    """What the cache holds."""

    path: str
    """Where it is: a folder, or an fsspec URL."""
    entries: int
    size_bytes: int
    oldest_s: float | None
    """Seconds since the least recently used entry was last used (written, on object storage)."""
    newest_s: float | None


def entry_name(key: str) -> str:
    """``ab/<key>.seg``: the entry's name under the cache's root.

    :raises ValueError: ``key`` is not a cache key (8 or more letters and digits).
    """
    if len(key) < 8 or not key.isalnum():
        raise ValueError(f"not a cache key: {key!r}")
    return f"{key[:2]}/{key}{SUFFIX}"


def encode(spoken: SpokenSegment) -> bytes:
    """The bytes of a cache entry holding ``spoken``."""
    pcm = b"".join(spoken.pcm)
    header = json.dumps({
        "sample_rate_hz": spoken.sample_rate_hz,
        "sentences": list(spoken.sentences),
        "frames": [len(p) // 2 for p in spoken.pcm],
        "sha256": hashlib.sha256(pcm).hexdigest(),
    }, ensure_ascii=False).encode()
    return MAGIC + struct.pack(">I", len(header)) + header + pcm


def decode(data: bytes, segment_id: str) -> SpokenSegment | None:
    """The segment in entry ``data`` (named ``segment_id``), or None when it is not a whole, intact entry."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        return None
    start = len(MAGIC) + 4
    (length,) = struct.unpack(">I", data[len(MAGIC):start])
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
