"""Where a show lives, and who may change it: the publication record and the folder lock.

A show folder remembers its publication in ``.audiobrief/show.json``: the public base URL, the
``podcast:guid`` and the settings that shape the feed. A build or ``remove`` without ``--base-url``
uses the recorded URL; a different one is refused unless the move is explicit (``--move-to``),
because every subscriber's app follows the enclosure URLs and the feed's own link. The guid is
fixed when the show first gets a public URL and never changes after.

Every command that changes a folder (build, remove, publish) holds ``.audiobrief/lock`` (an
``flock`` through filelock): a second one waits, or fails at once with ``--no-wait``; the kernel
releases the lock of a process that died, so a crashed build never blocks the next. Inside the
lock, leftovers of killed runs (``.build-*`` folders, half-written temporary files) are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import PublishError

__all__ = [
    "STATE_DIR",
    "Publication",
    "clean_leftovers",
    "folder_lock",
    "is_public",
    "load_publication",
    "record_publication",
    "resolve_publication",
]

log = logging.getLogger(__name__)

#: The folder's private state: never served (dot folder) and never copied by ``publish``.
STATE_DIR = ".audiobrief"
_RECORD = "show.json"
_LOCK = "lock"
_OWNER = "owner.json"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Publication:
    """A show's public identity, as recorded in its folder."""

    base_url: str
    """The public URL of the folder, ending in ``/``."""
    podcast_guid: str
    """Podcasting 2.0 ``podcast:guid``: fixed once the show has a public URL."""
    title: str = ""
    language: str = ""
    target_lufs: float = -16.0
    true_peak_dbtp: float = -2.0
    moved_from: tuple[str, ...] = ()
    """Earlier base URLs, oldest first (after ``--move-to``)."""
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())

    @property
    def feed_url(self) -> str:
        """The RSS feed's public URL."""
        return self.base_url + "feed.xml"

    @property
    def new_feed_url(self) -> str | None:
        """``itunes:new-feed-url`` for a show that moved (so apps following a copy of it move too)."""
        return self.feed_url if self.moved_from else None


def normal_base(url: str) -> str:
    """``url`` with exactly one trailing slash (``https://a.org/show`` and ``.../show/`` are one place)."""
    return url.rstrip("/") + "/"


def is_public(url: str) -> bool:
    """False for loopback addresses (``127.0.0.1``, ``localhost``, ``::1``): nobody subscribes there."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _guid_for(base_url: str) -> str:
    """The Podcasting 2.0 recommendation: UUIDv5 of the feed URL.

    A loopback feed's guid is provisional (nobody subscribes there); it is derived again from the
    show's first public URL, and never changes after that.
    """
    from .feed import podcast_guid

    return podcast_guid(base_url + "feed.xml")


def load_publication(folder: Path, *, infer: bool = True) -> Publication | None:
    """The folder's recorded publication; with ``infer``, for a folder built before the record
    existed, the one its feed shows.

    :raises PublishError: the record exists but cannot be read.
    """
    path = folder / STATE_DIR / _RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _from_feed(folder / "feed.xml") if infer else None
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: the show's publication record is unreadable ({exc}); restore it, or delete it "
                           "to take the base URL and guid from feed.xml") from exc
    try:
        data.pop("format", None)
        data["moved_from"] = tuple(data.get("moved_from", ()))
        return Publication(**data)
    except TypeError as exc:
        raise PublishError(f"{path}: not a publication record this version understands ({exc})") from exc


def _from_feed(feed: Path) -> Publication | None:
    """Recover the identity of a folder built before ``.audiobrief/show.json`` existed."""
    if not feed.is_file():
        return None
    import xml.etree.ElementTree as ET

    try:
        channel = ET.parse(feed).getroot().find("channel")
    except (OSError, ET.ParseError):
        return None
    if channel is None:
        return None
    self_link = next((link.get("href") for link in channel.findall("{http://www.w3.org/2005/Atom}link")
                      if link.get("rel") == "self"), None)
    from .feed import PODCAST_NS_ALIASES

    guid = next((found for uri in PODCAST_NS_ALIASES if (found := channel.findtext(f"{{{uri}}}guid"))), None)
    if not self_link or not guid or not self_link.endswith("/feed.xml"):
        return None
    return Publication(base_url=self_link.removesuffix("feed.xml"), podcast_guid=guid.strip(),
                       title=channel.findtext("title") or "", language=channel.findtext("language") or "")


def record_publication(folder: Path, publication: Publication) -> None:
    """Record ``publication`` in ``folder`` (atomically), unless that is what the folder records already."""
    from .store import atomic_write

    if load_publication(folder, infer=False) == publication:
        return
    state = folder / STATE_DIR
    state.mkdir(exist_ok=True)
    data = {"format": _FORMAT, **asdict(publication)}
    data["moved_from"] = list(publication.moved_from)
    atomic_write(state / _RECORD, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


def resolve_publication(folder: Path, recorded: Publication | None, *, base_url: str | None, move_to: str | None,
                        title: str, language: str, target_lufs: float, true_peak_dbtp: float) -> Publication:
    """The publication this run writes: the recorded one, a first one, or an explicit move.

    :param base_url: ``--base-url`` or the configuration's ``base_url`` (None: not given).
    :param move_to: ``--move-to``: the new public URL of a show that moves on purpose.
    :raises PublishError: ``base_url`` differs from the recorded URL of a public show (naming ``--move-to``).
    """
    from ..config import DEFAULT_BASE_URL

    shaping: dict[str, Any] = {"title": title, "language": language, "target_lufs": target_lufs, "true_peak_dbtp": true_peak_dbtp}
    if move_to is not None and not move_to.startswith(("http://", "https://")):
        raise PublishError(f"--move-to {move_to!r}: expected an http:// or https:// URL")
    if recorded is None:
        base = normal_base(move_to or base_url or DEFAULT_BASE_URL)
        return Publication(base_url=base, podcast_guid=_guid_for(base), **shaping)
    given = move_to or base_url
    wanted = normal_base(given) if given else recorded.base_url
    if wanted == recorded.base_url:
        return replace(recorded, **shaping)
    if not is_public(recorded.base_url):
        # Nobody can have subscribed at a loopback address: the show takes its first public URL
        # (and, from it, its lasting guid) without ceremony.
        log.info("%s: first public URL %s (was %s)", folder, wanted, recorded.base_url)
        return replace(recorded, base_url=wanted, podcast_guid=_guid_for(wanted), **shaping)
    if move_to is None:
        raise PublishError(
            f"{folder}: the show is published at {recorded.base_url}; base URL {wanted} would move every "
            f"episode and the feed out from under its subscribers. Leave out --base-url (and base_url in "
            f"audiobrief.toml) to keep it, or move the show on purpose with --move-to {wanted}"
        )
    log.warning("%s: moving the show from %s to %s (podcast:guid %s stays; the feed announces the new URL)",
                folder, recorded.base_url, wanted, recorded.podcast_guid)
    return replace(recorded, base_url=wanted, moved_from=(*recorded.moved_from, recorded.base_url), **shaping)


def clean_leftovers(folder: Path) -> int:
    """Remove what killed runs left in ``folder``: ``.build-*`` folders and half-written temporary files.

    Only safe inside :func:`folder_lock` (no other run can be using them). Returns how many were removed.
    """
    removed = 0
    for path in folder.glob(".*"):
        if path.is_dir() and path.name.startswith(".build-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and (path.name.endswith(".tmp") or path.name.endswith(".publishing")):
            path.unlink(missing_ok=True)
        else:
            continue
        removed += 1
    if removed:
        log.info("%s: removed %d leftover(s) of an interrupted run", folder, removed)
    return removed


def _owner(state: Path) -> dict[str, Any]:
    try:
        data = json.loads((state / _OWNER).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def folder_lock(folder: Path, *, command: str, wait: bool = True, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the folder's exclusive lock while changing it.

    A second holder waits (logging once who holds it), or with ``wait=False`` fails at once.
    The lock of a process that died is released by the kernel, so it is simply taken over.

    :raises PublishError: ``wait`` is False (or ``timeout_s`` passed) and another run holds the lock,
        or the folder cannot hold a lock file.
    """
    import filelock

    state = folder / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
    except OSError as exc:
        raise PublishError(f"{state}: cannot create the show's state folder ({exc.strerror or exc}); "
                           "fix the folder's permissions") from exc
    lock = filelock.FileLock(str(state / _LOCK))
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            holder = _owner(state)
            who = f"{holder.get('command', 'audiobrief')} (pid {holder.get('pid', '?')}, since {holder.get('since', '?')})"
            if not wait:
                raise PublishError(f"{folder}: another audiobrief {who} is changing this folder; "
                                   "wait for it, or run again without --no-wait to queue") from None
            log.warning("%s: waiting for another audiobrief %s to finish", folder, who)
            started = time.monotonic()
            try:
                lock.acquire(timeout=-1 if timeout_s is None else timeout_s)
            except filelock.Timeout:
                raise PublishError(f"{folder}: still locked by {who} after {time.monotonic() - started:.0f} s; "
                                   "try again later") from None
    except OSError as exc:
        raise PublishError(f"{state / _LOCK}: cannot take the folder's lock ({exc.strerror or exc}); "
                           "fix the folder's permissions") from exc
    try:
        from .store import atomic_write

        since = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        with contextlib.suppress(OSError):
            atomic_write(state / _OWNER, json.dumps({"pid": os.getpid(), "command": command, "since": since}).encode())
        yield
    finally:
        lock.release()
