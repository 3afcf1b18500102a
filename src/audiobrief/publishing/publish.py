"""Writing the show's published files, retiring and removing episodes, and copying a show elsewhere.

Every file is written through a temporary file and a rename. The RSS feed is always written last,
so podcast apps never see a feed that points at files not yet in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..config import Settings
from ..errors import FeedError, PublishError
from ..models import Episode, newest_first
from . import store
from .publication import Publication

__all__ = ["default_publication", "episode_files", "find_cover", "publish_folder", "remove_episode", "retire", "show_key", "write_show"]

log = logging.getLogger(__name__)

#: What a show folder publishes besides the episodes' own files; feed.xml is last on purpose.
SHOW_FILES = ("episodes.json", "feed.json", "alexa.json", "player.js", "index.html", "feed.xml")


def episode_files(episode: Episode) -> set[str]:
    """The file names one episode owns in the output folder."""
    names = {episode.audio_file, *(a.file for a in episode.alternates)}
    if episode.transcripts:
        t = episode.transcripts
        names |= {t.text, t.vtt, t.srt, t.chapters_json}
    return names


def find_cover(folder: Path) -> str | None:
    """The show artwork's file name in ``folder``, if any."""
    for name in ("cover.png", "cover.jpg"):
        if (folder / name).exists():
            return name
    return None


def default_publication(settings: Settings) -> Publication:
    """The publication of a folder that has none recorded: the settings' base URL, its derived guid."""
    from .feed import podcast_guid
    from .publication import normal_base

    base = normal_base(settings.public_base_url)
    return Publication(base_url=base, podcast_guid=podcast_guid(base + "feed.xml"), created="")


def show_key(settings: Settings, episodes: Sequence[Episode], image_file: str | None,
             lines: list[str] | None = None, publication: Publication | None = None) -> str:
    """A key of everything the show files are made from: equal keys, identical files (but for build times)."""
    from .. import __version__
    from ..languages import site_words
    from ..plan import words_data

    where = publication or default_publication(settings)
    identity = (where.base_url, where.podcast_guid, where.new_feed_url)
    words = words_data(site_words(settings.show, settings.templates_dir), page=True)
    digest = hashlib.sha256(repr((__version__, settings.show, settings.feed, identity, image_file, words)).encode())
    for line in lines if lines is not None else store.episode_lines(list(episodes)):
        digest.update(line.encode())
    return digest.hexdigest()


def write_show(folder: Path, settings: Settings, episodes: Sequence[Episode], *, image_file: str | None,
               publication: Publication | None = None) -> None:
    """Write the episode store, JSON Feed, Alexa feed, site, and last the RSS feed, each atomically.

    :param publication: where the show lives (default: :func:`default_publication`).
    """
    import gc

    # Thousands of short-lived objects (feed elements, JSON dicts) and no cycles: the collector
    # would only slow this down (measured: 15-20 % at 1,000 episodes).
    enabled = gc.isenabled()
    gc.disable()
    try:
        _write_show(folder, settings, episodes, image_file=image_file,
                    publication=publication or default_publication(settings))
    finally:
        if enabled:
            gc.enable()


def _write_show(folder: Path, settings: Settings, episodes: Sequence[Episode], *, image_file: str | None,
                publication: Publication) -> None:
    from ..languages import site_words
    from .feed import feed_pages, safe_show
    from .jsonfeeds import build_alexa_feed, json_feed_pages
    from .site import PLAYER_SCRIPT, player_script, render_site

    episodes = list(episodes)
    base = publication.base_url
    show = safe_show(settings.show)  # one cleaned show for every feed and the site
    words = site_words(show, settings.templates_dir)
    page_size = settings.feed.page_size
    rss = feed_pages(show, episodes, base, image_file=image_file, page_size=page_size, guid=publication.podcast_guid,
                     new_feed_url=publication.new_feed_url, words=words)  # validate first
    lines = store.episode_lines(episodes)
    store.save_show_key(folder, "")  # the show files are about to change: no key vouches for them meanwhile
    store.save_episodes(folder, episodes, lines)
    json_pages = json_feed_pages(show, episodes, base, image_file=image_file, page_size=page_size, words=words)
    for name, data in json_pages:
        store.atomic_write(folder / name, data)
    store.atomic_write(folder / "alexa.json", build_alexa_feed(show, episodes, base))
    store.atomic_write(folder / PLAYER_SCRIPT, player_script())
    store.atomic_write(folder / "index.html", render_site(show, episodes, folder, image_file=image_file, words=words))
    for name, data in reversed(rss):  # the older pages first, feed.xml last
        store.atomic_write(folder / name, data)
    current = {name for name, _ in [*rss, *json_pages]}
    for stale in feed_page_files(folder) - current:  # pages a shorter feed no longer has
        (folder / stale).unlink(missing_ok=True)
    store.save_show_key(folder, show_key(settings, episodes, image_file, lines, publication))


def feed_page_files(folder: Path) -> set[str]:
    """The older pages of a paged feed in ``folder`` (``feed-2.xml``, ``feed-2.json``, ...)."""
    import re

    return {p.name for p in folder.glob("feed-*.*") if re.fullmatch(r"feed-[0-9]+\.(xml|json)", p.name)}


def retire(episodes: Sequence[Episode], keep: int | None) -> tuple[list[Episode], list[Episode]]:
    """Split ``episodes`` into the newest ``keep`` and the rest (all kept when ``keep`` is None)."""
    ordered = newest_first(episodes)
    if keep is None:
        return ordered, []
    if keep < 1:
        raise FeedError(f"--keep {keep}: keep at least one episode")
    return ordered[:keep], ordered[keep:]


def remove_episode(folder: Path, settings: Settings, guid: str, *, publication: Publication | None = None) -> Episode:
    """Withdraw the episode ``guid`` (or its brief id) from the show and delete its files.

    Call it inside the folder's lock (see :func:`audiobrief.pipeline.remove`).

    :raises FeedError: no such episode in ``folder``.
    """
    episodes = store.load_episodes(folder)
    match = [e for e in episodes if guid in (e.guid, e.guid.removeprefix("urn:uuid:"), e.brief_id)]
    if not match:
        known = ", ".join(f"{e.guid} ({e.brief_id})" for e in episodes) or "none"
        raise FeedError(f"{folder}: no episode {guid!r}; episodes: {known}")
    victim = match[0]
    write_show(folder, settings, [e for e in episodes if e is not victim], image_file=find_cover(folder),
               publication=publication)
    for name in episode_files(victim):
        (folder / name).unlink(missing_ok=True)
    return victim


def publish_folder(source: Path, dest: Path, *, wait: bool = True) -> int:
    """Copy a built show folder into ``dest`` (a static host's folder) without a half-written moment.

    Episode files are copied first (each through a temporary name and a rename), then the show
    files, the RSS feed last; files in ``dest`` that the show no longer lists are removed after.

    Both folders are locked meanwhile, so a build of ``source`` or another publish into ``dest``
    cannot interleave with it.

    :returns: the number of files copied.
    :raises PublishError: ``source`` is not a built show folder, or ``dest`` cannot be written.
    """
    from .publication import clean_leftovers, folder_lock

    if not (source / "feed.xml").is_file() or not (source / store.STORE_NAME).is_file():
        raise PublishError(f"{source}: not a built show folder (no feed.xml / episodes.json); run audiobrief build first")
    real_source, real_dest = source.resolve(), dest.resolve()
    if real_dest == real_source or real_dest.is_relative_to(real_source) or real_source.is_relative_to(real_dest):
        where = ("is the built folder itself" if real_dest == real_source else
                 "is inside the built folder" if real_dest.is_relative_to(real_source) else "contains the built folder")
        raise PublishError(f"{dest}: the destination {where}; publish to a folder outside {source} (a static "
                           "host's folder such as /var/www/show)")
    if dest.exists() and not dest.is_dir():
        raise PublishError(f"{dest}: exists and is not a folder; choose another destination")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"{dest}: cannot create the destination ({exc.strerror or exc}); choose another one") from exc
    with contextlib.ExitStack() as locks:
        if os.access(source, os.W_OK):  # a read-only source cannot be built into meanwhile
            locks.enter_context(folder_lock(source, command="publish", wait=wait))
        locks.enter_context(folder_lock(dest, command="publish", wait=wait))
        clean_leftovers(dest)
        try:
            return _copy_show(source, dest)
        except OSError as exc:
            raise PublishError(f"{exc.filename or dest}: copying the show failed ({exc.strerror or exc}); what was "
                               "published before is intact; fix the destination and publish again") from exc


def _copy_show(source: Path, dest: Path) -> int:
    episodes = store.load_episodes(source)
    try:
        old = store.load_episodes(dest)  # what dest published before: read before it is replaced
    except FeedError:
        old = []
    old_pages = feed_page_files(dest)
    media = sorted(set().union(*(episode_files(e) for e in episodes)) if episodes else set())
    cover = find_cover(source)
    pages = sorted(feed_page_files(source), key=lambda n: (n.rsplit(".", 1)[1], int(n[5:].split(".")[0])), reverse=True)
    names = [*media, *([cover] if cover else []), *pages, *SHOW_FILES]  # the older pages before feed.xml
    copied = 0
    for name in names:
        src = source / name
        if not src.is_file():
            continue
        if name == "feed.xml":
            store.fsync_folder(dest)  # everything the feed points at is in place before the feed is
        # A new file of an unpredictable name (O_EXCL): nothing planted in dest can redirect the copy.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".publishing", dir=dest)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as into:
                shutil.copyfileobj(into, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest / name)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        copied += 1
    store.fsync_folder(dest)
    listed = set(names)
    for episode in old:
        for name in episode_files(episode) - listed:
            (dest / name).unlink(missing_ok=True)
    for name in old_pages - listed:
        (dest / name).unlink(missing_ok=True)
    log.info("published %d files to %s", copied, dest)
    return copied
