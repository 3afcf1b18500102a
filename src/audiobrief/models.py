"""The nouns every stage shares: frozen dataclasses, tuples, units in names.

Data flows ``Brief -> Script -> SpokenSegment[] -> EpisodeAudio -> Transcripts -> Episode -> feed``;
:mod:`audiobrief.pipeline` is the only module that knows that order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "Alternate",
    "Brief",
    "Chapter",
    "Episode",
    "EpisodeAudio",
    "Fact",
    "Narrative",
    "Script",
    "Segment",
    "SegmentKind",
    "SentenceTiming",
    "Show",
    "Soundbite",
    "Source",
    "SpokenSegment",
    "Transcripts",
    "newest_first",
]


# --- the brief (input) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered source of a brief: ``"1Guardian"`` becomes ``Source(1, "Guardian")``."""

    number: int
    outlet: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact, with its citation digits removed from ``text`` and kept in ``source_numbers``."""

    text: str
    source_numbers: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Narrative:
    """One attributed narrative: ``label`` ("Pro-Russia narrative") as provided by ``outlet``."""

    label: str
    text: str
    outlet: str | None = None


@dataclass(frozen=True, slots=True)
class Brief:
    """A parsed news brief.

    ``id`` is stable for the same brief file (its slug) so rebuilding keeps the episode's guid.
    """

    id: str
    title: str
    summary: str
    facts: tuple[Fact, ...]
    narratives: tuple[Narrative, ...]
    sources: tuple[Source, ...] = ()
    published: dt.datetime | None = None
    language: str = "en"
    path: str | None = None
    warnings: tuple[str, ...] = ()

    def outlet(self, number: int) -> str | None:
        """The outlet cited as ``number``, or None when the sources line does not name it."""
        for source in self.sources:
            if source.number == number:
                return source.outlet
        return None

    @property
    def outlets(self) -> tuple[str, ...]:
        """Every outlet the brief cites or quotes, in order of first appearance, without repeats."""
        names = [s.outlet for s in self.sources] + [n.outlet for n in self.narratives if n.outlet]
        return tuple(dict.fromkeys(names))


# --- the script ---------------------------------------------------------------------------------

SegmentKind = Literal["intro", "fact", "transition", "narrative", "outro"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One spoken unit of the script.

    Consecutive segments with the same ``chapter_id`` form one chapter of the episode.
    ``role`` picks the voice (``host`` or ``narrative``).
    """

    id: str
    kind: SegmentKind
    role: str
    chapter_id: str
    chapter_title: str
    text: str
    chapter_url: str | None = None
    label: str | None = None
    """A narrative's label ("Pro-Russia narrative"): voices may be chosen per label."""
    index: int = 0
    """A narrative's place among its brief's narratives (from 1): voices may rotate by it."""
    language: str | None = None
    """Set when it is not in the script's language (a story of a digest in another language)."""


@dataclass(frozen=True, slots=True)
class Script:
    """The whole spoken script of one episode, segment by segment."""

    brief_id: str
    title: str
    language: str
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """The script as plain text, one segment a paragraph."""
        return "\n\n".join(s.text for s in self.segments)

    @property
    def word_count(self) -> int:
        """Number of words a listener hears."""
        return len(self.text.split())


# --- audio --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpokenSegment:
    """The synthesized speech of one segment: one PCM buffer per sentence, all at one rate.

    ``pcm`` buffers are signed 16-bit little-endian mono at ``sample_rate_hz``.
    """

    segment_id: str
    sentences: tuple[str, ...]
    pcm: tuple[bytes, ...]
    sample_rate_hz: int

    @property
    def duration_ms(self) -> float:
        """Speech duration without pauses, in milliseconds."""
        return sum(len(p) // 2 for p in self.pcm) * 1000 / self.sample_rate_hz


@dataclass(frozen=True, slots=True)
class SentenceTiming:
    """Where one spoken sentence sits in the final episode (milliseconds from the start)."""

    segment_id: str
    speaker: str
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Chapter:
    """One chapter of an episode, timed from real sample positions (milliseconds)."""

    id: str
    title: str
    start_ms: int
    end_ms: int
    url: str | None = None


@dataclass(frozen=True, slots=True)
class EpisodeAudio:
    """The encoded, tagged episode file and what was measured on it."""

    path: Path
    duration_ms: int
    size_bytes: int
    sample_rate_hz: int
    bitrate_kbps: int
    chapters: tuple[Chapter, ...]
    sentences: tuple[SentenceTiming, ...]
    integrated_lufs: float | None = None
    true_peak_dbtp: float | None = None
    alternates: tuple[Alternate, ...] = ()
    """Other encodings made beside it (files next to ``path``)."""


@dataclass(frozen=True, slots=True)
class Alternate:
    """Another encoding of an episode's audio (``podcast:alternateEnclosure``), e.g. Opus for slow links."""

    file: str
    """File name, relative to the output folder."""
    mime: str
    """Its type as the feed gives it, e.g. ``audio/ogg; codecs=opus``."""
    size_bytes: int
    duration_ms: int
    bitrate_kbps: int
    title: str = ""


@dataclass(frozen=True, slots=True)
class Soundbite:
    """A shareable stretch of an episode (``podcast:soundbite``): a narrative's own words."""

    start_ms: int
    duration_ms: int
    title: str


@dataclass(frozen=True, slots=True)
class Transcripts:
    """File names (relative to the output folder) of an episode's transcripts and chapters."""

    text: str
    vtt: str
    srt: str
    chapters_json: str


# --- publishing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Episode:
    """One published episode as the episode store remembers it; the feed is built from these."""

    guid: str
    brief_id: str
    title: str
    summary: str
    show_notes_html: str
    published: dt.datetime
    audio_file: str
    size_bytes: int
    duration_ms: int
    chapters: tuple[Chapter, ...]
    transcripts: Transcripts | None = None
    integrated_lufs: float | None = None
    true_peak_dbtp: float | None = None
    number: int = 1
    key: str | None = None
    """The plan's episode key (see :mod:`audiobrief.plan`): equal keys, identical episode."""
    inputs_key: str | None = None
    """Key of the files and settings the episode was built from (see :mod:`audiobrief.inputs`)."""
    language: str | None = None
    """The language it is spoken in (the brief's, else the show's)."""
    alternates: tuple[Alternate, ...] = ()
    """Other encodings of the audio (Opus), each its own file."""
    soundbites: tuple[Soundbite, ...] = ()
    host_voice: str | None = None
    """Who reads it, as ``ENGINE:VOICE`` (``hibari:heart``): the feed's ``podcast:person``."""


@dataclass(frozen=True, slots=True)
class Show:
    """Show-level metadata, from ``audiobrief.toml`` with sensible defaults."""

    title: str = "audiobrief"
    description: str = (
        "Daily news briefs, narrated: the facts first, then how outlets on each side tell the story."
    )
    language: str = "en"
    author: str = "audiobrief"
    owner_name: str = "audiobrief"
    owner_email: str = "podcast@example.com"
    category: str = "News"
    subcategory: str | None = "Daily News"
    explicit: bool = False
    image: Path | None = None
    link: str | None = None
    copyright: str | None = None
    update_frequency: str | None = None
    """``daily``, ``weekdays``, ``weekly`` or an RFC 5545 rrule (``FREQ=DAILY;BYHOUR=6``): ``podcast:updateFrequency``."""


def newest_first(episodes: Iterable[Episode]) -> list[Episode]:
    """Episodes newest first (by date, then by episode number): the order of every feed and page."""
    return sorted(episodes, key=lambda e: (e.published, e.number), reverse=True)
