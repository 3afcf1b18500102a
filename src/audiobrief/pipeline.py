"""The pipeline: the only module that knows the order of the stages.

``brief -> script -> speech -> timeline -> encoded episode -> transcripts -> store -> feed``.
Everything is written into a private temporary folder inside the output folder first and moved
into place with renames; the episode store and then the feed are replaced last, so a build that
fails or is killed leaves what was published before intact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import store
from .artwork import prepare_artwork
from .audio import EpisodeTags, build_timeline, encode_episode
from .brief import brief_paths as expand_brief_paths
from .brief import load_brief
from .config import Settings
from .errors import BriefError
from .feed import build_feed, render_show_notes
from .models import Brief, Episode, Script
from .publish import episode_files, retire, write_show
from .script import render_script
from .speech import synthesize_script
from .transcript import write_transcripts
from .tts import TTSEngine, get_engine

__all__ = ["BuildResult", "ProgressEvent", "build", "make_engines", "script_for"]

log = logging.getLogger(__name__)

#: Namespace for episode guids: uuid5(EPISODE_NAMESPACE, brief id), stable across rebuilds.
EPISODE_NAMESPACE = uuid.UUID("0b6f3c1e-5a55-5d1c-9a4e-6175646962f1")
ROLES = ("host", "narrative")


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Where a build is: ``stage`` of brief ``brief_id``; ``done``/``total`` count segments while speaking."""

    stage: str
    brief_id: str
    done: int = 0
    total: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build published."""

    out_dir: Path
    feed_path: Path
    episodes: tuple[Episode, ...]
    """The episodes built in this run, in the order of the briefs given."""
    feed_episode_count: int


def make_engines(settings: Settings, engine_name: str | None = None) -> dict[str, TTSEngine]:
    """One engine per role from the settings (the same instance when roles share a voice)."""
    name = engine_name or settings.engine
    by_voice: dict[str | None, TTSEngine] = {}
    engines: dict[str, TTSEngine] = {}
    for role in ROLES:
        voice = settings.voice_for(role)
        if voice not in by_voice:
            by_voice[voice] = get_engine(name, voice=voice)
        engines[role] = by_voice[voice]
    return engines


def _published(brief: Brief, override: dt.datetime | None, previous: Episode | None) -> dt.datetime:
    if override is not None:
        return override
    if brief.published is not None:
        return brief.published
    if previous is not None:
        return previous.published  # a rebuild keeps the original date
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def script_for(brief: Brief, settings: Settings, *, published: dt.datetime,
               templates_dir: str | Path | None = None) -> Script:
    """Stage 2 with the settings applied (used by ``build`` and ``audiobrief script``)."""
    return render_script(brief, settings.show, published=published, templates_dir=templates_dir,
                         pronunciations=dict(settings.pronunciations))


def _content_name(path: Path, stem: str) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{stem}-{digest}"


def build(
    brief_paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: Settings,
    *,
    engines: Mapping[str, TTSEngine] | None = None,
    engine_name: str | None = None,
    templates_dir: str | Path | None = None,
    published: dt.datetime | None = None,
    keep: int | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
) -> BuildResult:
    """Build one episode per brief into ``out_dir`` and rebuild the feed from every episode there.

    :param brief_paths: brief files or folders of them; all are parsed before any synthesis starts.
    :param out_dir: the output folder (created if missing); earlier episodes in it stay in the feed.
    :param settings: show metadata, voices, audio targets, base URL.
    :param engines: role -> engine, overriding ``engine_name`` (tests pass a fake engine here).
    :param engine_name: the engine for every role (default: the settings', normally ``piper``).
    :param templates_dir: a folder of script templates overriding the shipped ones.
    :param published: the episodes' date, overriding the briefs' and earlier builds'.
    :param keep: keep only the newest ``keep`` episodes in the feed, deleting the older ones' files.
    :param progress: receives :class:`ProgressEvent` as the build goes.
    :returns: what was published.
    :raises AudiobriefError: any stage failed; nothing published before is changed.
    """
    notify = progress or (lambda event: None)
    build_feed(settings.show, [], settings.base_url, image_file=None)  # bad show metadata fails before synthesis
    briefs = [load_brief(p) for p in expand_brief_paths(brief_paths)]
    seen: dict[str, Brief] = {}
    for brief in briefs:
        if brief.id in seen:
            raise BriefError(
                f"has the same id {brief.id!r} as {seen[brief.id].path}, so both would be one episode; "
                "rename one file or give a JSON/YAML brief its own \"id\"",
                path=brief.path,
            )
        seen[brief.id] = brief
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    active = dict(engines) if engines is not None else make_engines(settings, engine_name)
    episodes = store.load_episodes(out)
    built: list[Episode] = []
    retired: set[str] = set()
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out) as tmp_name:
        tmp = Path(tmp_name)
        cover = prepare_artwork(settings.show.title, settings.show.image, tmp)
        artwork = (tmp / cover).read_bytes()
        for brief in briefs:
            previous = next((e for e in episodes if e.brief_id == brief.id), None)
            when = _published(brief, published, previous)
            script = script_for(brief, settings, published=when, templates_dir=templates_dir)
            notify(ProgressEvent("speaking", brief.id, 0, len(script.segments), brief.title))

            def spoke(done: int, total: int, segment_id: str, brief_id: str = brief.id) -> None:
                notify(ProgressEvent("speaking", brief_id, done, total, segment_id))

            spoken = synthesize_script(script, active, progress=spoke)
            notify(ProgressEvent("encoding", brief.id, detail=brief.title))
            timeline = build_timeline(script, spoken, settings.audio)
            suffix = f".{settings.audio.format}"
            draft = tmp / f"{brief.id}{suffix}"
            tags = EpisodeTags(
                title=brief.title, show=settings.show.title, author=settings.show.author,
                date=when.date().isoformat(), description=brief.summary or brief.title,
                artwork=artwork, artwork_mime="image/png" if cover.endswith(".png") else "image/jpeg",
            )
            audio = encode_episode(timeline, draft, settings.audio, tags)
            stem = _content_name(draft, brief.id)
            transcripts = write_transcripts(tmp, stem, title=brief.title, show=settings.show.title,
                                            chapters=audio.chapters, sentences=audio.sentences)
            draft.rename(tmp / f"{stem}{suffix}")
            episode = Episode(
                guid=previous.guid if previous else f"urn:uuid:{uuid.uuid5(EPISODE_NAMESPACE, brief.id)}",
                brief_id=brief.id,
                title=brief.title,
                summary=brief.summary,
                show_notes_html=render_show_notes(brief, audio.chapters),
                published=when,
                audio_file=f"{stem}{suffix}",
                size_bytes=audio.size_bytes,
                duration_ms=audio.duration_ms,
                chapters=audio.chapters,
                transcripts=transcripts,
                integrated_lufs=audio.integrated_lufs,
                true_peak_dbtp=audio.true_peak_dbtp,
                number=previous.number if previous else max((e.number for e in episodes), default=0) + 1,
            )
            episodes, replaced = store.upsert(episodes, episode)
            if replaced is not None:
                retired |= episode_files(replaced) - episode_files(episode)
            built.append(episode)
        episodes, dropped = retire(episodes, keep)
        for old in dropped:
            retired |= episode_files(old)
        # Publish: media first (the folder holds only what this build made), then the store,
        # the other feeds and the site, the RSS feed last.
        for item in sorted(tmp.iterdir()):
            os.replace(item, out / item.name)
        write_show(out, settings, episodes, image_file=cover)
    for name in retired - set().union(*(episode_files(e) for e in episodes)):
        (out / name).unlink(missing_ok=True)
    log.info("published %d episode(s); the feed has %d", len(built), len(episodes))
    return BuildResult(out, out / "feed.xml", tuple(built), len(episodes))

