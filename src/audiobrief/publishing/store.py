"""The episode store: ``episodes.json`` in the output folder remembers every published episode.

The feed is rebuilt from it, so earlier episodes survive new builds and rebuilding a brief
replaces its episode (same guid) instead of adding a duplicate. Written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import FeedError
from ..models import Alternate, Chapter, Episode, Soundbite, Transcripts, newest_first

__all__ = ["STORE_NAME", "atomic_write", "episode_to_json", "fsync_file", "fsync_folder", "load_episodes", "load_show_key", "save_episodes", "save_show_key", "upsert"]

STORE_NAME = "episodes.json"
_FORMAT = 1


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never half-written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a web server must be able to read it
        os.replace(tmp, path)
        fsync_folder(path.parent)  # the rename itself survives a crash
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_file(path: Path) -> None:
    """Make a written file's contents durable before it is renamed into place."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a crash after this cannot undo them)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def episode_to_json(episode: Episode) -> dict[str, Any]:
    """An episode as the store writes it (JSON-ready; by hand, since ``dataclasses.asdict`` deep-copies and was 5x slower)."""
    data = {name: getattr(episode, name) for name in episode.__dataclass_fields__}
    data["published"] = episode.published.isoformat()
    data["chapters"] = [{"id": c.id, "title": c.title, "start_ms": c.start_ms, "end_ms": c.end_ms, "url": c.url}
                        for c in episode.chapters]
    t = episode.transcripts
    data["transcripts"] = {"text": t.text, "vtt": t.vtt, "srt": t.srt, "chapters_json": t.chapters_json} if t else None
    data["alternates"] = [{"file": a.file, "mime": a.mime, "size_bytes": a.size_bytes, "duration_ms": a.duration_ms,
                           "bitrate_kbps": a.bitrate_kbps, "title": a.title} for a in episode.alternates]
    data["soundbites"] = [{"start_ms": s.start_ms, "duration_ms": s.duration_ms, "title": s.title}
                          for s in episode.soundbites]
    return data


def plain_name(name: object) -> bool:
    """Whether ``name`` is a plain file name in the show folder (no folders, no dot files, nothing odd).

    >>> plain_name("seed-brief-8cb8f048b7.mp3"), plain_name("../feed.xml"), plain_name(".audiobrief")
    (True, False, False)
    """
    return (isinstance(name, str) and 0 < len(name) <= 255 and not name.startswith(".") and "/" not in name
            and "\\" not in name and not any(ord(c) < 32 for c in name))


def _from_json(data: dict[str, Any]) -> Episode:
    data = dict(data)
    transcripts = data.get("transcripts") or {}
    names = [data.get("audio_file"), *(transcripts.values() if isinstance(transcripts, dict) else [None]),
             *(a.get("file") if isinstance(a, dict) else None for a in data.get("alternates") or ())]
    bad = next((n for n in names if not plain_name(n)), None)
    if bad is not None or not names[0]:
        raise ValueError(f"episode {data.get('brief_id')!r} names the file {bad!r}, which is not a plain file name "
                         "in the folder")
    data["published"] = dt.datetime.fromisoformat(data["published"])
    data["chapters"] = tuple(Chapter(**c) for c in data["chapters"])
    if data.get("transcripts"):
        data["transcripts"] = Transcripts(**data["transcripts"])
    data["alternates"] = tuple(Alternate(**a) for a in data.get("alternates") or ())
    data["soundbites"] = tuple(Soundbite(**s) for s in data.get("soundbites") or ())
    return Episode(**data)


def load_episodes(folder: Path) -> list[Episode]:
    """Episodes published into ``folder``, newest first (empty when none yet).

    :raises FeedError: the store exists but cannot be read; it is left untouched.
    """
    path = folder / STORE_NAME
    if not path.exists():
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"{path}: the episode store is unreadable ({exc}); restore it from a backup or move it "
                        "away to start a new feed (its episodes would then drop out of the feed)") from exc
    return episodes_from_json(data, where=str(path))


def episodes_from_json(data: bytes, *, where: str = STORE_NAME) -> list[Episode]:
    """The episodes of an episode store's bytes (``episodes.json``, from a folder or object storage), newest first.

    :raises FeedError: they are not an episode store.
    """
    try:
        doc = json.loads(data.decode("utf-8"))
        episodes = [_from_json(e) for e in doc["episodes"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise FeedError(
            f"{where}: the episode store is unreadable ({exc}); restore it from a backup or move it "
            "away to start a new feed (its episodes would then drop out of the feed)"
        ) from exc
    return newest_first(episodes)


#: Written after the RSS feed, so it vouches for every show file (see ``publish.show_key``).
SHOW_KEY_FILE = ".audiobrief/show.key"


def load_show_key(folder: Path) -> str | None:
    """The key of the show files last written completely into ``folder`` (feed included), if any."""
    try:
        return (folder / SHOW_KEY_FILE).read_text(encoding="ascii").strip() or None
    except (OSError, ValueError):
        return None


def save_show_key(folder: Path, key: str) -> None:
    """Record that every show file of ``folder`` was written from ``key`` (call after the feed)."""
    (folder / SHOW_KEY_FILE).parent.mkdir(exist_ok=True)
    atomic_write(folder / SHOW_KEY_FILE, key.encode("ascii"))


def episode_lines(episodes: list[Episode]) -> list[str]:
    """One compact JSON line per episode, as the store holds them."""
    return [json.dumps(episode_to_json(e), ensure_ascii=False, separators=(",", ":")) for e in episodes]


def save_episodes(folder: Path, episodes: list[Episode], lines: list[str] | None = None) -> None:
    """Write the store atomically (one line per episode, so long stores stay readable and diffable)."""
    lines = lines if lines is not None else episode_lines(episodes)
    head = json.dumps({"format": _FORMAT})[:-1]
    body = ",\n".join(lines)
    atomic_write(folder / STORE_NAME, f'{head}, "episodes": [\n{body}\n]}}\n'.encode())


def upsert(episodes: list[Episode], episode: Episode) -> tuple[list[Episode], Episode | None]:
    """Add ``episode``, replacing one with the same guid; newest first.

    :returns: the new list and the episode it replaced, if any.
    """
    replaced = next((e for e in episodes if e.guid == episode.guid), None)
    rest = [e for e in episodes if e.guid != episode.guid]
    return newest_first([*rest, episode]), replaced
