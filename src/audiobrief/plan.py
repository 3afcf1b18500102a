"""Planning: briefs + settings + templates -> episode plans, before any sound is made.

A plan is pure data: each episode's script, each segment's sentences and cache key, and the
episode key. A segment's key hashes everything that changes its sound (the engine's fingerprint:
engine, version, voice and voice settings; the leveling target; the sentences), so the cache can
answer for it. The episode key hashes every segment key plus everything else that reaches the
episode file or its feed item (pauses, loudness, format, cue and music files, tags, artwork, the
brief itself), so an unchanged episode is recognized without loading a model or decoding a sample.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .config import Settings
from .languages import Words, words_for
from .models import Brief, Script, Segment
from .script import render_digest_script, render_script
from .speakable import said_as, split_sentences

__all__ = [
    "EPISODE_NAMESPACE",
    "PLAN_VERSION",
    "EpisodePlan",
    "SegmentPlan",
    "Speakers",
    "digest_id",
    "episode_key",
    "file_digest",
    "plan_digest",
    "plan_episode",
    "plan_segments",
    "segment_key",
    "words_data",
]

#: Bump when the audio a plan describes changes for the same inputs (mastering, timeline, encoding).
PLAN_VERSION = "2"
#: Namespace for episode guids: uuid5(EPISODE_NAMESPACE, brief id), stable across rebuilds.
EPISODE_NAMESPACE = uuid.UUID("0b6f3c1e-5a55-5d1c-9a4e-6175646962f1")


#: Who speaks a segment: ``segment -> (engine name in the build, its fingerprint)``.
Speakers = Callable[[Segment], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    """One segment to speak: its script segment, the sentences it is spoken as (as the transcripts
    show them, and as the engine reads them: names respelled), its cache key, and the build's name
    for the engine and voice that speak it."""

    segment: Segment
    sentences: tuple[str, ...]
    key: str
    speaker: str = "host"
    spoken: tuple[str, ...] = ()
    """What the engine reads, sentence by sentence (see :func:`~audiobrief.speakable.said_as`)."""


@dataclass(frozen=True, slots=True)
class EpisodePlan:
    """Everything needed to make one episode, and the key that says whether it changed."""

    id: str
    """The store's id for the episode: the brief's id, or ``digest-<date>-<hash>``."""
    kind: Literal["brief", "digest"]
    guid: str
    title: str
    summary: str
    published: dt.datetime
    briefs: tuple[Brief, ...]
    script: Script
    segments: tuple[SegmentPlan, ...]
    key: str


def segment_key(fingerprint: str, level_dbfs: float, sentences: Sequence[str],
                spoken: Sequence[str] | None = None) -> str:
    """The cache key of a segment: SHA-256 of the engine fingerprint, leveling target and sentences, and
    what the engine reads when that differs from the sentences (a respelled name)."""
    text = "\x1e".join(sentences)
    if spoken is not None and tuple(spoken) != tuple(sentences):
        text += "\x1d" + "\x1e".join(spoken)
    return hashlib.sha256(f"seg1\0{fingerprint}\0{level_dbfs:.2f}\0{text}".encode()).hexdigest()


def plan_segments(script: Script, speakers: Speakers, level_dbfs: float) -> tuple[SegmentPlan, ...]:
    """Split each segment into sentences (by the script's language) and key it with its voice's fingerprint."""
    plans = []
    for segment in script.segments:
        speaker, fingerprint = speakers(segment)
        language = segment.language or script.language
        sentences = tuple(split_sentences(segment.text, language))
        spoken = tuple(said_as(s, language) for s in sentences)
        plans.append(SegmentPlan(segment, sentences, segment_key(fingerprint, level_dbfs, sentences, spoken), speaker,
                                 spoken))
    return tuple(plans)


def file_digest(path: str | Path | None) -> str | None:
    """SHA-256 of a file's bytes (None for no file): producer files change episodes by content.

    Remembered per file version (see :mod:`audiobrief.digests`), so an unchanged file is not read again.
    """
    if path is None or path in ("chime", "none"):
        return str(path) if path else None
    from .digests import file_sha256

    return file_sha256(path)


def words_data(words: Words, *, page: bool = False) -> dict[str, object]:
    """The words of a language as key material: those an episode is made with (chapter titles, notes,
    speakers, ID3 language), or with ``page`` the show page's; never where they were read from."""
    data = dataclasses.asdict(words)
    data.pop("source", None)
    site = data.pop("site")
    return {"language": words.language, "site": site, "disclosure": data["disclosure"]} if page else data


def _brief_data(brief: Brief) -> object:
    data = dataclasses.asdict(brief)
    data.pop("path", None)
    data.pop("warnings", None)
    return data


def episode_key(script: Script, segments: Sequence[SegmentPlan], settings: Settings, *, published: dt.datetime,
                briefs: Sequence[Brief], words: Words) -> str:
    """The key of an episode: equal keys mean byte-identical audio and an identical feed item.

    It covers audiobrief's version, every segment's key and chapter, the audio settings and the
    content of the producer's sound files, the tags, the briefs, and the language's words
    (``language.toml``: chapter titles, show-notes headings, transcript speakers, ID3 language).
    """
    from . import __version__

    audio = dataclasses.asdict(settings.audio)
    for name in ("cue", "intro_music", "outro_music", "music_bed"):
        audio[name] = file_digest(audio[name])
    show = settings.show
    doc = {
        "version": [__version__, PLAN_VERSION],
        "words": words_data(words),
        "segments": [[s.segment.id, s.segment.kind, s.segment.role, s.segment.chapter_id, s.segment.chapter_title,
                      s.segment.chapter_url, s.key] for s in segments],
        "language": script.language,
        "audio": audio,
        "tags": [script.title, show.title, show.author, published.isoformat(), file_digest(show.image)],
        "briefs": [_brief_data(b) for b in briefs],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def plan_episode(brief: Brief, settings: Settings, speakers: Speakers, *, published: dt.datetime,
                 templates_dir: str | Path | None = None) -> EpisodePlan:
    """Plan the episode of one brief."""
    script = render_script(brief, settings.show, published=published, templates_dir=templates_dir,
                           pronunciations=dict(settings.pronunciations))
    segments = plan_segments(script, speakers, settings.audio.segment_level_dbfs)
    words = words_for(script.language, templates_dir)
    return EpisodePlan(
        id=brief.id, kind="brief", guid=f"urn:uuid:{uuid.uuid5(EPISODE_NAMESPACE, brief.id)}",
        title=brief.title, summary=brief.summary, published=published, briefs=(brief,), script=script,
        segments=segments, key=episode_key(script, segments, settings, published=published, briefs=(brief,),
                                           words=words),
    )


def digest_id(briefs: Sequence[Brief], published: dt.datetime) -> str:
    """``digest-<date>-<hash of the brief ids>``: the same briefs on the same day are the same episode."""
    ids = ",".join(sorted(b.id for b in briefs))
    return f"digest-{published.date().isoformat()}-{hashlib.sha256(ids.encode()).hexdigest()[:8]}"


def plan_digest(briefs: Sequence[Brief], settings: Settings, speakers: Speakers, *,
                published: dt.datetime, title: str, templates_dir: str | Path | None = None) -> EpisodePlan:
    """Plan one episode that reads every brief in turn (see :func:`render_digest_script`)."""
    ident = digest_id(briefs, published)
    script = render_digest_script(briefs, settings.show, digest_id=ident, title=title, published=published,
                                  templates_dir=templates_dir, pronunciations=dict(settings.pronunciations))
    segments = plan_segments(script, speakers, settings.audio.segment_level_dbfs)
    words = words_for(script.language, templates_dir)
    summary = f"{words.notes.digest_summary} " + "; ".join(b.title for b in briefs)
    return EpisodePlan(
        id=ident, kind="digest", guid=f"urn:uuid:{uuid.uuid5(EPISODE_NAMESPACE, ident)}",
        title=title, summary=summary, published=published, briefs=tuple(briefs), script=script,
        segments=segments, key=episode_key(script, segments, settings, published=published, briefs=briefs,
                                           words=words),
    )
