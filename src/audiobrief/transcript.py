"""Stage 5: transcripts (plain text, WebVTT, SRT) and JSON chapters, timed from the episode.

WebVTT cues carry ``<v Speaker>`` voice spans and hold at most two lines (about 84 characters);
longer sentences are split at word boundaries with times shared out by length. JSON chapters
follow Podcasting 2.0's jsonChapters v1.2.0.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .languages import Words, words_for
from .models import Chapter, SentenceTiming, Transcripts
from .timefmt import srt_timestamp, vtt_timestamp

__all__ = ["Cue", "chapters_json", "cues", "render_srt", "render_text", "render_vtt", "write_transcripts"]

_MAX_CUE_CHARS = 84  # two lines of 42


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption: text shown from ``start_ms`` to ``end_ms``, spoken by ``speaker``."""

    start_ms: int
    end_ms: int
    speaker: str
    text: str


def _pieces(text: str) -> list[str]:
    if len(text) <= _MAX_CUE_CHARS:
        return [text]
    return textwrap.wrap(text, _MAX_CUE_CHARS, break_long_words=False) or [text]


def cues(sentences: Iterable[SentenceTiming], words: Words | None = None) -> list[Cue]:
    """Cues from sentence timings, long sentences split into pieces of at most two lines.

    Speakers are named in the episode's language (``words``; English by default).
    """
    words = words or words_for("en")
    result: list[Cue] = []
    for sentence in sentences:
        pieces = _pieces(sentence.text)
        total = sum(len(p) for p in pieces)
        span = sentence.end_ms - sentence.start_ms
        start, used = sentence.start_ms, 0
        for piece in pieces:
            used += len(piece)
            end = sentence.start_ms + round(span * used / total)
            result.append(Cue(start, end, words.speaker(sentence.speaker), piece))
            start = end
    return result


def _two_lines(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 42, break_long_words=False)) if len(text) > 42 else text


def render_vtt(all_cues: list[Cue], note: str | None = None) -> str:
    """WebVTT with voice spans (and ``note`` as a NOTE block before the first cue)."""
    blocks = ["WEBVTT"]
    if note:
        blocks.append("NOTE " + note.replace("-->", "->"))
    for i, cue in enumerate(all_cues, start=1):
        text = _two_lines(cue.text).replace("&", "&amp;").replace("<", "&lt;")
        blocks.append(f"{i}\n{vtt_timestamp(cue.start_ms)} --> {vtt_timestamp(cue.end_ms)}\n<v {cue.speaker}>{text}")
    return "\n\n".join(blocks) + "\n"


def render_srt(all_cues: list[Cue]) -> str:
    """SubRip captions."""
    blocks = [
        f"{i}\n{srt_timestamp(c.start_ms)} --> {srt_timestamp(c.end_ms)}\n{_two_lines(c.text)}"
        for i, c in enumerate(all_cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def render_text(title: str, chapters: tuple[Chapter, ...], sentences: Iterable[SentenceTiming],
                note: str | None = None) -> str:
    """A readable transcript: the title (and ``note``, saying who reads it), then each chapter's sentences as a
    paragraph."""
    by_chapter: list[list[str]] = [[] for _ in chapters]
    for sentence in sentences:
        index = max((i for i, c in enumerate(chapters) if c.start_ms <= sentence.start_ms), default=0)
        by_chapter[index].append(sentence.text)
    parts = [title, ""] + ([note, ""] if note else [])
    for chapter, lines in zip(chapters, by_chapter, strict=True):
        parts += [f"## {chapter.title}", "", " ".join(lines), ""]
    return "\n".join(parts)


def chapters_json(chapters: tuple[Chapter, ...], title: str, show: str) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0), start times in seconds."""
    doc = {
        "version": "1.2.0",
        "title": title,
        "podcastName": show,
        "chapters": [
            {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": c.title,
             **({"url": c.url} if c.url else {})}
            for c in chapters
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_transcripts(
    folder: Path, episode_id: str, *, title: str, show: str,
    chapters: tuple[Chapter, ...], sentences: tuple[SentenceTiming, ...], words: Words | None = None,
) -> Transcripts:
    """Write ``<id>-<hash>.txt``, ``.vtt``, ``.srt`` and ``.chapters.json`` into ``folder``.

    The hash is of the four files' contents, so their names change exactly when what they say
    changes (a renamed speaker, a new chapter title): a cache or a podcast app never keeps a stale
    transcript under a name it has seen before.

    :returns: their file names, relative to ``folder``.
    """
    import hashlib

    all_cues = cues(sentences, words)
    note = words.disclosure.line if words is not None else None
    texts = (render_text(title, chapters, sentences, note), render_vtt(all_cues, note), render_srt(all_cues),
             chapters_json(chapters, title, show))
    digest = hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()[:10]
    stem = f"{episode_id}-{digest}"
    names = Transcripts(f"{stem}.txt", f"{stem}.vtt", f"{stem}.srt", f"{stem}.chapters.json")
    for name, text in zip((names.text, names.vtt, names.srt, names.chapters_json), texts, strict=True):
        (folder / name).write_text(text, encoding="utf-8")
    return names
