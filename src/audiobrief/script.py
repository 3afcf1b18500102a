"""Stage 2: render a :class:`~audiobrief.models.Brief` into a spoken :class:`~audiobrief.models.Script`.

One Jinja2 template per segment kind (``intro``, ``headline``, ``fact``, ``transition``,
``narrative``, ``outro``, and ``digest_intro`` / ``digest_outro`` for digests), one folder per
language (``audiobrief/templates/script/<code>/``, with the chapter titles in its
``language.toml``; see :mod:`audiobrief.languages`), overridable file by file with ``--templates
DIR`` (``DIR/<code>/`` for one language, files directly in ``DIR`` for every language). The
brief's language picks the folder. Rendered text then goes through
:func:`~audiobrief.speakable.speakable`, so producer templates get the same cleaning as ours.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import TemplateError
from .languages import Words, folder_names, format_list, shipped_languages, spoken_count, spoken_date, words_for
from .models import Brief, Script, Segment, Show
from .speakable import has_words, speakable

__all__ = ["TEMPLATE_KINDS", "make_environment", "render_digest_script", "render_script", "spoken_date"]

log = logging.getLogger(__name__)

TEMPLATE_KINDS: tuple[str, ...] = (
    "intro", "headline", "fact", "transition", "narrative", "outro", "digest_intro", "digest_outro",
)

def _definite(label: str) -> str:
    # "Pro-Russia narrative" -> "the pro-Russia narrative"; "Narrative A" stays a name.
    if re.match(r"narrative\b", label, re.I):
        return label
    first, _, rest = label.partition(" ")
    if first.isupper() and len(first) > 1:  # an acronym keeps its capitals
        return f"the {label}"
    return f"the {first[:1].lower()}{first[1:]} {rest}".rstrip()


def make_environment(templates_dir: str | Path | None = None, language: str = "en") -> Any:
    """The Jinja2 environment for ``language``: the producer's ``<code>/`` folder, then the producer's
    folder itself (if any), then the shipped templates of the language.

    :raises TemplateError: when ``templates_dir`` is not a folder.
    """
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    names = folder_names(language)
    if templates_dir is not None:
        folder = Path(templates_dir)
        if not folder.is_dir():
            raise TemplateError(f"--templates {folder}: not a folder; give a folder of *.txt.j2 files")
        loaders += [jinja2.FileSystemLoader(str(folder / name)) for name in names if (folder / name).is_dir()]
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders += [jinja2.PackageLoader("audiobrief", f"templates/script/{name}") for name in names
                if name in shipped_languages()]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    env.filters.update(
        definite=_definite,
        capitalize_first=lambda s: s[:1].upper() + s[1:],
        join_and=lambda items: format_list(items, language),
        spoken_count=lambda n: spoken_count(n, language),
    )
    return env


def _repeats(text: str, item: str | None) -> bool:
    """Whether ``text`` only says again what ``item`` begins with (or the other way round)."""
    if not text or not item:
        return False
    words = re.sub(r"\W+", " ", text.lower()).split()
    first = re.sub(r"\W+", " ", item.lower()).split()
    return first[: len(words)] == words or words[: len(first)] == first


def _first_item(brief: Brief) -> str | None:
    if brief.facts:
        return brief.facts[0].text
    return brief.narratives[0].text if brief.narratives else None


def _outlet_url(brief: Brief, outlet: str | None) -> str | None:
    if outlet is None:
        return None
    return next((s.url for s in brief.sources if s.url and s.outlet.lower() == outlet.lower()), None)


def _narrative_title(label: str, outlet: str | None) -> str:
    return f"{label} ({outlet})" if outlet else label


def _renderer(show: Show, published: dt.datetime | dt.date, templates_dir: str | Path | None,
              pronunciations: Mapping[str, str] | None, language: str = "en") -> Any:
    import jinja2

    words_for(language, templates_dir)  # a language nobody wrote templates for fails here, naming the fix
    env = make_environment(templates_dir, language)
    day = published.date() if isinstance(published, dt.datetime) else published
    # A show still called by the default name does not announce it: "This is audiobrief" is nobody's show.
    show_title = "" if show.title == Show().title else show.title
    base: dict[str, Any] = {"show": show, "show_title": show_title, "date": spoken_date(day, language),
                            "language": language}

    def render(kind: str, **context: Any) -> str:
        name = f"{kind}.txt.j2"
        try:
            text = env.get_template(name).render(**base, **context)
        except jinja2.TemplateError as exc:
            where = getattr(exc, "filename", None) or name
            line = getattr(exc, "lineno", None)
            at = f", line {line}" if line else ""
            raise TemplateError(f"template {where}{at}: {exc.message or exc}") from exc
        return speakable(text, pronunciations, language)  # the brief's language picks the normalization table

    return render


def _story(brief: Brief, render: Any, words: Words, *, prefix: str = "", story: str | None = None) -> list[Segment]:
    """The headline, facts, transition and narratives of one brief (everything but greeting and sign-off).

    ``story`` (a digest's) prefixes chapter titles, so flat chapter lists still read as one story.
    """
    def title(part: str) -> str:
        return f"{story}: {part}" if story else part

    headline = "" if _repeats(brief.title.rstrip("."), _first_item(brief)) else brief.title
    summary = "" if _repeats(brief.summary, _first_item(brief)) else brief.summary
    if story and not (headline or summary):
        headline = brief.title  # a digest always says which story comes next
    opening_chapter = f"{prefix}intro" if not story else f"{prefix}story"
    segments: list[Segment] = []
    text = render("headline", brief=brief, headline=headline, summary=summary) if (headline or summary) else ""
    if text.strip():
        segments.append(Segment(f"{prefix}headline", "intro", "host", opening_chapter, story or brief.title, text))
    for i, fact in enumerate(brief.facts, start=1):
        outlets = [o for o in (brief.outlet(n) for n in fact.source_numbers) if o]
        text = render("fact", brief=brief, fact=fact, index=i, first=i == 1, last=i == len(brief.facts),
                      outlets=outlets)
        segments.append(Segment(f"{prefix}fact-{i:02d}", "fact", "host", f"{prefix}facts", title(words.chapters.facts), text))
    if brief.narratives:
        chapter = f"{prefix}facts" if brief.facts else opening_chapter
        chapter_title = title(words.chapters.facts) if brief.facts else (story or brief.title)
        text = render("transition", brief=brief, narratives=brief.narratives)
        segments.append(Segment(f"{prefix}transition", "transition", "host", chapter, chapter_title, text))
    for i, narrative in enumerate(brief.narratives, start=1):
        text = render("narrative", brief=brief, narrative=narrative, index=i, count=len(brief.narratives))
        segments.append(
            Segment(
                f"{prefix}narrative-{i:02d}",
                "narrative",
                "narrative",
                f"{prefix}narrative-{i}",
                title(_narrative_title(narrative.label, narrative.outlet)),
                text,
                chapter_url=_outlet_url(brief, narrative.outlet),
                label=narrative.label,
                index=i,
            )
        )
    return segments


def _with_words(brief: Brief, pronunciations: Mapping[str, str] | None) -> Brief:
    """``brief`` without the facts and narratives that have nothing to say once made speakable (only
    symbols, emoji or a link), each dropped with a warning; an error when nothing is left.

    :raises BriefError: naming the file, when no fact or narrative has words.
    """
    from .errors import BriefError

    def says(text: str) -> bool:
        return has_words(speakable(text, pronunciations, brief.language))

    where = brief.path or brief.id
    facts = []
    for i, fact in enumerate(brief.facts):
        if says(fact.text):
            facts.append(fact)
        else:
            log.warning("%s: facts[%d] %r has nothing to say aloud (only symbols, emoji or links); skipped it",
                        where, i, fact.text[:60])
    narratives = []
    for i, narrative in enumerate(brief.narratives):
        if says(narrative.text):
            narratives.append(narrative)
        else:
            log.warning("%s: narratives[%d] %r has nothing to say aloud (only symbols, emoji or links); skipped it",
                        where, i, narrative.text[:60])
    if not facts and not narratives:
        raise BriefError("no fact or narrative has words to say aloud (only symbols, emoji or links); give the "
                         "brief its text", path=brief.path)
    if len(facts) == len(brief.facts) and len(narratives) == len(brief.narratives):
        return brief
    return replace(brief, facts=tuple(facts), narratives=tuple(narratives))


def _checked(brief_id: str, title: str, language: str, segments: list[Segment]) -> Script:
    empty = [s.id for s in segments if not s.text.strip()]
    if empty:
        raise TemplateError(f"template(s) rendered no speech for segment(s): {', '.join(empty)}")
    return Script(brief_id, title, language, tuple(segments))


def render_script(
    brief: Brief,
    show: Show,
    *,
    published: dt.datetime | dt.date,
    templates_dir: str | Path | None = None,
    pronunciations: Mapping[str, str] | None = None,
) -> Script:
    """Render the spoken script of ``brief``.

    :param brief: the parsed brief (stage 1).
    :param show: show metadata (the intro and outro name the show).
    :param published: the episode's date, spoken in the intro.
    :param templates_dir: a folder whose ``<kind>.txt.j2`` files override the shipped ones.
    :param pronunciations: extra word -> spoken form entries for :func:`speakable`.
    :returns: the script: greeting and headline, one segment per fact, transition, one per narrative, outro.
    :raises TemplateError: a template is missing, invalid, or uses an undefined variable.
    """
    render = _renderer(show, published, templates_dir, pronunciations, brief.language)
    words = words_for(brief.language, templates_dir)
    brief = _with_words(brief, pronunciations)
    segments = [Segment("intro", "intro", "host", "intro", brief.title, render("intro", brief=brief))]
    segments += _story(brief, render, words)
    segments.append(Segment("outro", "outro", "host", "outro", words.chapters.outro,
                            render("outro", brief=brief, outlets=brief.outlets)))
    return _checked(brief.id, brief.title, brief.language, segments)


def render_digest_script(
    briefs: Sequence[Brief],
    show: Show,
    *,
    digest_id: str,
    title: str,
    published: dt.datetime | dt.date,
    templates_dir: str | Path | None = None,
    pronunciations: Mapping[str, str] | None = None,
) -> Script:
    """Render one episode that reads every brief in turn: a greeting, each story, one sign-off.

    Each story's segments are rendered by the same templates as its own episode, in the story's
    own language (its segments carry it, so that its voice speaks it), so their speech comes
    from the segment cache when the briefs were built before. The greeting and sign-off are in the
    briefs' common language, else the show's. Chapters are flat and titled
    "Headline: part": podcast apps list chapters flat (Apple Podcasts, Overcast, AntennaPod and
    Pocket Casts ignore nested ID3 CTOC frames), and JSON chapters and psc have no nesting.
    """
    if not briefs:
        raise TemplateError("a digest needs at least one brief")
    languages = {b.language for b in briefs}
    language = next(iter(languages)) if len(languages) == 1 else show.language
    render = _renderer(show, published, templates_dir, pronunciations, language)
    words = words_for(language, templates_dir)
    headlines = [b.title for b in briefs]
    segments = [Segment("greeting", "intro", "host", "greeting", title,
                        render("digest_intro", title=title, headlines=headlines, count=len(briefs)))]
    for n, brief in enumerate(briefs, start=1):
        brief = _with_words(brief, pronunciations)
        if brief.language == language:
            segments += _story(brief, render, words, prefix=f"s{n}-", story=brief.title)
            continue
        own = _renderer(show, published, templates_dir, pronunciations, brief.language)
        story = _story(brief, own, words_for(brief.language, templates_dir), prefix=f"s{n}-", story=brief.title)
        segments += [replace(s, language=brief.language) for s in story]
    outlets = tuple(dict.fromkeys(o for b in briefs for o in b.outlets))
    segments.append(Segment("outro", "outro", "host", "outro", words.chapters.outro,
                            render("digest_outro", title=title, outlets=outlets, count=len(briefs))))
    return _checked(digest_id, title, language, segments)
