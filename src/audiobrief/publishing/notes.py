"""Show notes: the episode description podcast apps display, as the limited HTML Apple allows (p, ul, li, a).

Rendered from autoescaped Jinja2 templates (``templates/notes/``), never by joining strings, so a
headline or a fact can hold any character and still be text. Links are only ever http(s) (see
:mod:`audiobrief.sanitize`). Within Apple's 4,000 bytes a long brief first loses its
shortest-lived parts (the chapter list, which apps show anyway, then the sources), then its items
are shortened at word boundaries; the HTML always stays whole.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from typing import Any

from ..languages import Words, words_for
from ..models import Brief, Chapter, Source
from ..sanitize import safe_url
from ..timefmt import hms

__all__ = ["MAX_NOTES_BYTES", "render_digest_notes", "render_show_notes", "strip_unsafe_links"]

#: Apple's limit for an episode's description.
MAX_NOTES_BYTES = 4000


def _shorten(text: str, max_chars: int | None) -> str:
    if max_chars is None or len(text) <= max_chars:
        return text
    return text[: max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "..."


@functools.cache
def _template(name: str) -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("audiobrief", "templates/notes"), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
    env.filters.update(shorten=_shorten, hms=hms)
    return env.get_template(name)


def _links(sources: Sequence[Source]) -> list[tuple[Source, str | None]]:
    return [(s, safe_url(s.url)) for s in sources]


def _fit(render: Any, attempts: Sequence[dict[str, Any]], limit_bytes: int, fallback: str) -> str:
    """The first of ``attempts`` whose rendering fits in ``limit_bytes``, else a bare paragraph."""
    for options in attempts:
        notes = str(render(**options))
        if len(notes.encode("utf-8")) <= limit_bytes:
            return notes
    return f"<p>{html.escape(_shorten(fallback, 200))}</p>"


def render_show_notes(brief: Brief, chapters: Sequence[Chapter], limit_bytes: int = MAX_NOTES_BYTES,
                      words: Words | None = None) -> str:
    """An episode's show notes: headline, summary, facts, narratives, sources, chapters, credit (see the module)."""
    attempts: list[dict[str, Any]] = [
        {"item_chars": None, "sources_list": True, "chapter_list": True},
        {"item_chars": None, "sources_list": True, "chapter_list": False},
        {"item_chars": None, "sources_list": False, "chapter_list": False},
        *({"item_chars": n, "sources_list": False, "chapter_list": False} for n in (400, 250, 150, 80, 40)),
    ]
    words = words or words_for(brief.language)
    facts = [(fact, [o for o in (brief.outlet(n) for n in fact.source_numbers) if o]) for fact in brief.facts]
    context = {"brief": brief, "facts": facts, "sources": _links(brief.sources), "chapters": chapters,
               "words": words.notes}
    template = _template("episode.html.j2")
    return _fit(lambda **options: template.render(**context, **options), attempts, limit_bytes, brief.title)


def render_digest_notes(title: str, briefs: Sequence[Brief], chapters: Sequence[Chapter],
                        limit_bytes: int = MAX_NOTES_BYTES, words: Words | None = None) -> str:
    """Show notes of a digest: every story with its sources (and the chapters, when they fit)."""
    attempts: list[dict[str, Any]] = [
        {"item_chars": None, "sources_list": True, "chapter_list": True},
        {"item_chars": None, "sources_list": True, "chapter_list": False},
        *({"item_chars": n, "sources_list": True, "chapter_list": False} for n in (300, 150, 60, 0)),
        {"item_chars": 0, "sources_list": False, "chapter_list": False},
    ]
    words = words or words_for(briefs[0].language if briefs else "en")
    stories = [(b, _links(b.sources), b.outlets) for b in briefs]
    context = {"title": title, "stories": stories, "chapters": chapters, "words": words.notes}
    template = _template("digest.html.j2")
    return _fit(lambda **options: template.render(**context, **options), attempts, limit_bytes, title)


_HREF = re.compile(r'\shref="([^"]*)"')


def strip_unsafe_links(notes: str) -> str:
    """``notes`` with every ``href`` that is not an http(s) URL removed (the link's text stays).

    For notes read back from an episode store written before links were checked at load.

    >>> strip_unsafe_links('<a href="javascript:alert(1)">x</a> <a href="https://a.example/">y</a>')
    '<a>x</a> <a href="https://a.example/">y</a>'
    """
    if "href" not in notes:
        return notes
    return _HREF.sub(lambda m: m.group(0) if safe_url(html.unescape(m.group(1))) else "", notes)
