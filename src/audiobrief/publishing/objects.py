"""Publishing a built show to object storage (S3, R2, B2, MinIO, SeaweedFS) through fsspec.

``audiobrief publish output s3://bucket/show`` uploads what changed, compared by size and content
hash (an S3 ETag of a single PUT is the MD5 of the object), never by name alone: the media first,
then the show files, ``feed.xml`` last, so a podcast app never reads a feed that points at an object
not there yet. Every object gets its ``Content-Type`` and a ``Cache-Control``: a short one for the
feeds, the page and the episode list (they change with every build), a long, immutable one for the
content-named media (a new sound is a new name). Objects the previous publication listed and this
one does not (a removed episode, an older feed page) are deleted after the new feed is up.

One publisher at a time: a lock object (``.audiobrief/publish.lock``, with an expiry) is created
with an S3 conditional write (``If-None-Match: *``), which AWS S3, R2, MinIO and SeaweedFS honour; on
a store that ignores it, the lock is read back after writing and the publisher whose token is not
there gives way. A lock left by a publisher that died expires after :data:`LOCK_TTL_S`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import socket
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PublishError
from . import store
from .publish import SHOW_FILES, episode_files, feed_page_files, find_cover

__all__ = ["CACHE_LONG", "CACHE_SHORT", "LOCK_NAME", "LOCK_TTL_S", "Uploaded", "publish_to_objects"]

log = logging.getLogger(__name__)

#: Feeds, the page and the episode list: apps and CDNs may keep them five minutes.
CACHE_SHORT = "public, max-age=300"
#: Content-named media (audio, transcripts, chapters): never changes under its name.
CACHE_LONG = "public, max-age=31536000, immutable"
#: The lock object, under the show's prefix.
LOCK_NAME = ".audiobrief/publish.lock"
#: A lock older than this (seconds) was left by a publisher that died.
LOCK_TTL_S = 15 * 60

_CONTENT_NAMED = re.compile(r"-[0-9a-f]{10}\.[A-Za-z0-9.]+$")


@dataclass(frozen=True, slots=True)
class Uploaded:
    """What a publication to object storage did."""

    uploaded: int
    unchanged: int
    deleted: int
    conditional_lock: bool
    """Whether the store honoured the conditional write that created the lock."""


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_control(name: str) -> str:
    """The ``Cache-Control`` of an object: long for content-named media, short for what each build rewrites."""
    return CACHE_LONG if _CONTENT_NAMED.search(name) and name not in SHOW_FILES else CACHE_SHORT


@contextlib.contextmanager
def _lock(fs: Any, root: str, url: str) -> Iterator[bool]:
    """Hold the show's publish lock; yields whether the store honoured the conditional write."""
    path = f"{root}/{LOCK_NAME}"
    token = uuid.uuid4().hex
    now = dt.datetime.now(dt.UTC)
    record = {"token": token, "owner": f"{socket.gethostname()}:{os.getpid()}", "since": now.isoformat(),
              "expires": (now + dt.timedelta(seconds=LOCK_TTL_S)).isoformat()}
    with contextlib.suppress(FileNotFoundError):
        held = json.loads(fs.cat_file(path))
        if dt.datetime.fromisoformat(held["expires"]) > now:
            raise PublishError(f"{url}: another publish ({held.get('owner')}, since {held.get('since')}) is "
                               f"publishing this show; wait for it, or delete {url}/{LOCK_NAME} if it died "
                               f"(it expires at {held['expires']})")
        fs.rm_file(path)  # expired: its publisher died
    conditional = True
    try:
        fs.pipe_file(path, json.dumps(record).encode(), mode="create", ContentType="application/json")
    except (FileExistsError, OSError) as exc:
        if "pre-condition" in str(exc).lower() or "precondition" in str(exc).lower() or isinstance(exc, FileExistsError):
            raise PublishError(f"{url}: another publish took the lock first; wait for it and publish again") from exc
        if "mode" not in str(exc):
            raise
        conditional = False  # an fsspec backend without conditional writes: write, then read back
        fs.pipe_file(path, json.dumps(record).encode())
    except TypeError:
        conditional = False
        fs.pipe_file(path, json.dumps(record).encode())
    if json.loads(fs.cat_file(path)).get("token") != token:
        raise PublishError(f"{url}: another publish took the lock at the same moment; publish again")
    try:
        yield conditional
    finally:
        with contextlib.suppress(Exception):
            if json.loads(fs.cat_file(path)).get("token") == token:
                fs.rm_file(path)


def publish_to_objects(source: Path, url: str, storage_options: Mapping[str, Any] | None = None) -> Uploaded:
    """Upload the built show in ``source`` to ``url`` (see the module doc).

    :raises PublishError: ``source`` is not a built show, another publish holds the lock, or the store
        refused a request (what was published before is intact: the feed goes last).
    """
    from ..cache.objects import error_reason, filesystem
    from ..errors import ConfigError
    from ..serve import content_type

    if not (source / "feed.xml").is_file() or not (source / store.STORE_NAME).is_file():
        raise PublishError(f"{source}: not a built show folder (no feed.xml / episodes.json); run audiobrief build first")
    try:
        fs, root = filesystem(url, storage_options)
    except ConfigError as exc:
        raise PublishError(str(exc)) from exc
    try:
        bucket = root.split("/", 1)[0]
        if not fs.exists(bucket):
            raise PublishError(f"{url}: the bucket {bucket!r} does not exist; create it first (aws s3 mb s3://{bucket})")
        with _lock(fs, root, url) as conditional:
            return _upload(fs, root, source, content_type, conditional)
    except PublishError:
        raise
    except Exception as exc:
        raise PublishError(f"{url}: publishing failed ({error_reason(exc)}); what was published before is intact (the "
                           "feed goes last); check the endpoint (AWS_ENDPOINT_URL) and credentials, and publish "
                           "again") from exc


def _upload(fs: Any, root: str, source: Path, content_type: Any, conditional: bool) -> Uploaded:
    episodes = store.load_episodes(source)
    try:
        old = store.episodes_from_json(fs.cat_file(f"{root}/{store.STORE_NAME}"))
    except FileNotFoundError:
        old = []
    remote = {str(p)[len(root) + 1:]: d for p, d in fs.find(root, detail=True).items()} if fs.exists(root) else {}
    media = sorted(set().union(*(episode_files(e) for e in episodes)) if episodes else set())
    cover = find_cover(source)
    pages = sorted(feed_page_files(source), key=lambda n: (n.rsplit(".", 1)[1], int(n[5:].split(".")[0])), reverse=True)
    names = [n for n in (*media, *([cover] if cover else []), *pages, *SHOW_FILES) if (source / n).is_file()]
    uploaded = unchanged = 0
    for name in names:  # in order: media, the cover, older pages, show files, feed.xml last
        path = source / name
        there = remote.get(name)
        if there is not None and int(there.get("size") or -1) == path.stat().st_size \
                and str(there.get("ETag", "")).strip('"') == _md5(path):
            unchanged += 1
            continue
        fs.pipe_file(f"{root}/{name}", path.read_bytes(), ContentType=content_type(name), CacheControl=cache_control(name))
        uploaded += 1
    listed = set(names)
    gone = {n for e in old for n in episode_files(e)} | {n for n in remote if re.fullmatch(r"feed-[0-9]+\.(xml|json)", n)}
    doomed = sorted(n for n in gone - listed if n in remote)
    if doomed:
        fs.rm([f"{root}/{n}" for n in doomed])
    log.info("published to %s: %d uploaded, %d unchanged, %d deleted", root, uploaded, unchanged, len(doomed))
    return Uploaded(uploaded, unchanged, len(doomed), conditional)
