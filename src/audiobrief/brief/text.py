"""The plain-text parser: page renderings, reposts and Markdown, classified line by line through the tables."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BriefError
from ..models import Brief, Fact, Narrative, Source
from .helpers import _clean, _complete_sentences, parse_sources, slugify, strip_citation, tidy_outlet, title_case
from .lines import LineScore, reading
from .tables import (
    _BULLET,
    _ENDS_SENTENCE,
    _OUTLET_END,
    _SENTENCE_END,
    _SOURCES_LINE,
    FACT_OUTLET_SUFFIX,
    INLINE_LABEL,
    LABEL_LINE,
    OPINION_MARKERS,
    PROVIDED_BY,
    RATING,
    SECTION_HEADINGS,
    SIDE_OPENERS,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger("audiobrief.brief")


# --- plain text -----------------------------------------------------------------------------------


@dataclass
class _Item:
    line: int
    text: str
    label: str | None = None  # a narrative whose label stood on its own line
    outlet: str | None = None


@dataclass
class _TextDoc:
    header: list[_Item] = field(default_factory=list)
    facts: list[_Item] = field(default_factory=list)
    narratives: list[_Item] = field(default_factory=list)
    chrome: list[_Item] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    lines: list[tuple[int, str, str]] = field(default_factory=list)
    scores: dict[int, LineScore] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    warnings: list[str] = field(default_factory=list)
    headings: int = 0  # section headings and narrative labels found: 0 means the structure was inferred


def _heading_key(line: str) -> str:
    return re.sub(r"^[#*_\s]+|[*_:\s]+$", "", line)


def _section_of(line: str) -> str | None:
    key = _heading_key(line)
    for pattern, section in SECTION_HEADINGS:
        if pattern.fullmatch(key):
            return section
    return None


def _label_line(line: str) -> re.Match[str] | None:
    text = _clean(_BULLET.sub("", line, count=1))
    if len(text) > 100 or _ENDS_SENTENCE.search(text.rstrip(":")):
        return None
    return LABEL_LINE.fullmatch(text)


def _split_inline(item: _Item) -> list[_Item]:
    """Split "Pro-X narrative: ... Anti-X narrative: ..." into one labeled item per narrative."""
    starts = list(INLINE_LABEL.finditer(item.text))
    if not starts:
        return [item]
    pieces = []
    if starts[0].start() > 0:
        lead = item.text[: starts[0].start()].strip()
        if lead:
            pieces.append(_Item(item.line, lead))
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(item.text)
        pieces.append(_Item(item.line, item.text[match.end() : end].strip(), label=match.group("label")))
    return pieces


#: How each non-blank line of a text brief is classified, first match wins: (class, test of
#: (line, headline so far, current section)). Page chrome is not a row: a line is chrome when its
#: chrome score (:mod:`audiobrief.brief.lines`, weights in ``reading.toml``) says so.
LINE_CLASSES: tuple[tuple[str, Callable[[str, str | None, str], bool]], ...] = (
    ("heading", lambda line, title, section: _section_of(line) is not None),
    ("sources", lambda line, title, section: _SOURCES_LINE.match(line) is not None),
    ("repeat", lambda line, title, section: title is not None and _clean(_heading_key(line)).lower() == title.lower()),
    ("label", lambda line, title, section: section in ("narratives", "header") and title is not None
     and _label_line(line) is not None),
    ("bullet", lambda line, title, section: _BULLET.match(line) is not None),
)


def _classify(line: str, title: str | None, section: str) -> str:
    return next((name for name, test in LINE_CLASSES if test(line, title, section)), "text")


def _headline_shaped(line: str) -> bool:
    """A line that can be a headline: three to twenty words, not a bullet, not several sentences."""
    words = line.split()
    return 3 <= len(words) <= 20 and _BULLET.match(line) is None and len(_SENTENCE_END.findall(line.rstrip(".!?"))) == 0


def _looks_like_a_title(lines: list[tuple[int, str, str]], number: int) -> bool:
    """Whether line ``number`` is written as a title: marked up (``**...**``, ``# ...``) or in title case."""
    raw = next(text for n, _, text in lines if n == number)
    if re.match(r"^(#+\s|\*\*|__)", raw):
        return True
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019-]*", raw) if len(w) >= 4]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _short_header_lines(doc: _TextDoc) -> None:
    """A headline has three words or more, and so does a summary: a shorter first line followed by a
    headline-shaped one, or a short line after the headline, is a site's or a community's name."""
    def role(line: int, new: str) -> None:
        index = next(i for i, entry in enumerate(doc.lines) if entry[0] == line)
        doc.lines[index] = (line, new, doc.lines[index][2])

    def drop(item: _Item, reason: str = "short_header") -> None:
        doc.dropped.append((item.line, item.text))
        role(item.line, "chrome")
        before = doc.scores.get(item.line, LineScore(0.0, ()))
        extra = reading().weights["short_header"]
        doc.scores[item.line] = LineScore(round(before.score + extra, 2), (*before.reasons, (reason, extra)))

    if len(doc.header) >= 2 and len(doc.header[0].text.split()) < 3 and _headline_shaped(doc.header[1].text):
        drop(doc.header.pop(0))
    # A preamble: the first lines are no headline (a welcome, a description), a later one is, in
    # headline case or marked up as one, right before the facts: the lines above it are the page's.
    if doc.header and not _headline_shaped(doc.header[0].text) and doc.facts:
        later = next((i for i, item in enumerate(doc.header[1:], 1) if _headline_shaped(item.text)
                      and _looks_like_a_title(doc.lines, item.line)), None)
        if later is not None:
            for item in doc.header[:later]:
                drop(item, "before_the_headline")
            del doc.header[:later]
    for item in [i for i in doc.header[1:] if len(i.text.split()) < 3 and not INLINE_LABEL.search(i.text)]:
        drop(item)
        doc.header.remove(item)
    if doc.header:
        role(doc.header[0].line, "headline")
    doc.dropped.sort()


def _split_document(text: str, language: str = "en", where: str = "<brief>") -> _TextDoc:
    doc = _TextDoc()
    section = "header"
    after_blank = False
    title: str | None = None
    rules = reading()
    last_sidebar: tuple[int, str, LineScore] | None = None  # the sidebar line just above, maybe a headline
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            after_blank = True
            continue
        kind = _classify(line, title, section)
        if kind not in ("heading", "sources", "repeat", "label"):
            key = _heading_key(_BULLET.sub("", line, count=1)) or line
            score = rules.score(line, key=key, language=language, in_chrome_section=section == "chrome")
            doc.scores[number] = score
            if section == "chrome":
                if score.score >= rules.sidebar_ends_below:
                    bare = rules.score(line, key=key, language=language, in_chrome_section=False)
                    doc.dropped.append((number, line))
                    doc.lines.append((number, "chrome" if bare.score >= rules.chrome_at else "sidebar", line))
                    last_sidebar = (number, line, bare)
                    continue
                # a fact-like line under a chrome heading: the brief resumes (a sidebar before the brief)
                section = "facts" if kind == "bullet" else "header"
                short = not doc.header or (len(doc.header) == 1 and len(doc.header[0].text.split()) < 3)
                if (short and last_sidebar is not None and _headline_shaped(last_sidebar[1])
                        and last_sidebar[2].score < rules.chrome_at and not _BULLET.match(last_sidebar[1])):
                    reclaimed_line, reclaimed = last_sidebar[0], last_sidebar[1]
                    doc.dropped.remove((reclaimed_line, reclaimed))
                    index = next(i for i, entry in enumerate(doc.lines) if entry[0] == reclaimed_line)
                    doc.lines[index] = (reclaimed_line, "headline", reclaimed)
                    doc.header.append(_Item(reclaimed_line, _heading_key(reclaimed)))
                    title = title or _clean(doc.header[0].text)
                    doc.scores[reclaimed_line] = LineScore(last_sidebar[2].score,
                                                           (*last_sidebar[2].reasons, ("headline_before_the_facts", 0.0)))
            elif score.score >= rules.chrome_at:
                doc.dropped.append((number, line))
                doc.lines.append((number, "chrome", line))
                continue
        if kind == "repeat":
            doc.dropped.append((number, line))
            doc.lines.append((number, kind, line))
            continue
        if kind == "heading":
            section, after_blank = _section_of(line) or section, False
            doc.lines.append((number, "chrome heading" if section == "chrome" else "heading", line))
            if section == "chrome":
                doc.dropped.append((number, line))
                last_sidebar = None
            else:
                doc.headings += 1
            continue
        if kind == "sources":
            doc.sources = doc.sources + parse_sources(_SOURCES_LINE.match(line).group("rest"))  # type: ignore[union-attr]
            doc.lines.append((number, "sources", line))
            continue
        bullet = _BULLET.match(line)
        if section == "header" and kind == "bullet" and doc.header:
            section = "facts"  # bullets straight after the headline are facts (forum reposts)
        if section == "facts" and INLINE_LABEL.match(_clean(line[bullet.end():] if bullet else line)):
            section = "narratives"  # "Pro-X narrative: ..." after the facts, with no heading
        items: list[_Item] = getattr(doc, section)
        body = line[bullet.end() :] if bullet else line
        if kind == "label":
            label = _label_line(line)
            assert label is not None
            items.append(_Item(number, "", label=label.group("label"), outlet=label.group("outlet")))
            doc.headings += 1
            if section == "header":
                section = "narratives"
                doc.narratives.append(doc.header.pop())
            role = "label"
        elif items and items[-1].label is not None and not items[-1].text:
            items[-1].text = body  # the paragraph under a label that stood on its own line
            role = "narrative"
        elif section == "header" or bullet is not None or not items or after_blank:
            items.append(_Item(number, _heading_key(body) if section == "header" and not items else body))
            role = {"header": "headline" if len(doc.header) == 1 else "summary", "facts": "fact"}.get(section, "narrative")
        else:
            items[-1].text = f"{items[-1].text} {body}"  # a wrapped line continues the item above it
            role = "continued"
        doc.lines.append((number, role, line))
        if section == "header" and len(doc.header) == 1 and title is None:
            title = _clean(doc.header[0].text)
        after_blank = False
    _short_header_lines(doc)
    # Narratives written inline ("Pro-X narrative: ... Anti-X narrative: ...") may sit anywhere
    # but among the facts: in a social post they follow the headline with no heading at all.
    header = []
    for index, item in enumerate(doc.header):
        parts = _split_inline(item)
        if index == 0 and (not parts or parts[0].label is not None):
            parts = [item]  # a headline that merely looks like a label stays the headline
        lead = [p for p in parts if p.label is None]
        header += _split_headline(lead[0]) + lead[1:] if index == 0 and lead else lead
        doc.narratives += [p for p in parts if p.label is not None]
        doc.headings += sum(p.label is not None for p in parts)
    doc.header = header
    doc.narratives = [piece for item in doc.narratives for piece in (_split_inline(item) if item.label is None else [item])]
    _drop_garbled(doc, where, language)
    return doc


_CAPS_HEADLINE = re.compile(r"(?P<head>(?:[A-Z0-9$%'\u2019&.,-]+\s+){2,}[A-Z0-9$%'\u2019&.,-]*[A-Z0-9%])\s+(?=[A-Z][a-z])")


def _split_headline(item: _Item) -> list[_Item]:
    """A one-line post: an ALL-CAPS headline running into its text becomes headline + summary."""
    text = _clean(item.text)
    match = _CAPS_HEADLINE.match(text)
    if match is None or sum(c.isalpha() for c in match.group("head")) < 8:
        return [item]
    rest = text[match.end():].strip()
    return [_Item(item.line, match.group("head").strip()), *([_Item(item.line, rest)] if rest else [])]


def _opinion_score(text: str) -> int:
    return sum(1 for marker in OPINION_MARKERS if marker.search(text))


def _infer_story(paragraphs: list[_Item], warnings: list[str], where: str) -> tuple[list[_Item], list[_Item]]:
    """Facts and narratives of a brief with no headings and no labels, from its paragraphs.

    Reporting comes first, then one paragraph per side: the first paragraph (after the headline)
    that reads as someone's case, and every paragraph after it, are narratives. When none does,
    every paragraph is read in order as the story.
    """
    first_case = next((i for i, p in enumerate(paragraphs) if i and _opinion_score(p.text) >= 2), None)
    if first_case is None:
        warnings.append(f"{where}: no headings and no narratives found; reading the paragraphs in order as the story")
        return paragraphs, []
    narratives = []
    for index, paragraph in enumerate(paragraphs[first_case:], start=1):
        side = SIDE_OPENERS.match(_clean(paragraph.text))
        label = f"{side.group('side').capitalize()}' narrative" if side else f"Narrative {index}"
        narratives.append(_Item(paragraph.line, paragraph.text, label=label))
    warnings.append(f"{where}: no headings; read {first_case} paragraph(s) as facts and {len(narratives)} as "
                    "narratives (by their wording)")
    return paragraphs[:first_case], narratives


def classify_lines(text: str, language: str = "en") -> list[tuple[int, str, str]]:
    """Every non-blank line of a text brief with what the parser took it for (line number, role, text).

    Roles: headline, summary, heading, fact, label, narrative, continued (a wrapped line), sources,
    chrome, chrome heading, sidebar (under a chrome heading), repeat (the headline again), garbled
    (fused and non-words: two versions of a page merged).
    """
    return _split_document(text, language).lines


def explain_lines(text: str, language: str = "en") -> list[tuple[int, str, str, LineScore | None]]:
    """:func:`classify_lines` with, for each line the classifier scored, its chrome score and the
    features that made it (None for headings, labels, the sources line and a repeated headline)."""
    doc = _split_document(text, language)
    return [(number, role, line, doc.scores.get(number)) for number, role, line in doc.lines]


def dropped_lines(text: str, language: str = "en") -> list[tuple[int, str]]:
    """The lines of a text brief that were dropped as page chrome (line number, text), for review."""
    return sorted(_split_document(text, language).dropped)


def _narrative_from_rest(label: str, rest: str, sources: tuple[Source, ...]) -> Narrative:
    # Prefer a known outlet (it may contain dots, "U.S. News"); else the outlet ends at ". ".
    for outlet in sorted((s.outlet for s in sources), key=len, reverse=True):
        if rest.lower().startswith(outlet.lower()):
            body = rest[len(outlet) :].lstrip(" .:,\u2014-")
            return Narrative(label=label, outlet=outlet, text=_complete_sentences(body))
    # Unknown outlet: it ends at the first ". " that does not close an initial ("U.S. News").
    split = _OUTLET_END.search(rest) or re.search(r":\s+", rest)
    if split is None:
        return Narrative(label=label, text=_complete_sentences(rest))
    outlet, body = rest[: split.start()], rest[split.end() :]
    return Narrative(label=label, outlet=tidy_outlet(outlet) or None, text=_complete_sentences(body))


def _tidy_label(label: str) -> str:
    label = _clean(label).rstrip(":")
    if not re.search(r"narrativ[ea]|relato", label, re.I):
        label = f"{label} narrative"  # "Left" / "Pro-establishment" on their own
    return label[:1].upper() + label[1:]


def _parse_narrative(item: _Item, sources: tuple[Source, ...], index: int) -> Narrative:
    text = _clean(item.text)
    if item.label is not None:
        outlet = tidy_outlet(item.outlet) if item.outlet else None
        return Narrative(label=_tidy_label(item.label), outlet=outlet, text=_complete_sentences(text))
    match = PROVIDED_BY.match(text)
    if match is not None:
        return _narrative_from_rest(_tidy_label(match.group("label")), match.group("rest"), sources)
    return Narrative(label=f"Narrative {index}", text=_complete_sentences(text))


def _fact_outlet(text: str, sources: list[Source]) -> tuple[str, tuple[int, ...]]:
    """A fact's trailing outlet (and rating, never spoken) as its source: "... on Monday. Reuters (LR: 3 CP: 4)"."""
    match = FACT_OUTLET_SUFFIX.search(text)
    if match is None:
        return RATING.sub("", text), ()
    outlet = tidy_outlet(match.group("outlet") or match.group("paren"))
    source = next((s for s in sources if s.outlet.lower() == outlet.lower()), None)
    if source is None:
        source = Source(max((s.number for s in sources), default=0) + 1, outlet)
        sources.append(source)
    return text[: match.start()].rstrip(), (source.number,)


def _drop_cut_off_end(items: list[Fact] | list[Narrative], warnings: list[str], where: str) -> None:
    """A brief cut off mid-word: keep its last item up to its last complete sentence."""
    if not items or _ENDS_SENTENCE.search(items[-1].text):
        return
    last = items[-1]
    ends = list(_SENTENCE_END.finditer(last.text))
    if not ends:
        items.pop()
        warnings.append(f"{where}: dropped the last item, cut off before its first sentence ended")
        return
    items[-1] = replace(last, text=last.text[: ends[-1].end()])  # type: ignore[assignment]
    warnings.append(f"{where}: the last item was cut off; kept it up to its last complete sentence")


def _example_hint() -> str:
    """Where a producer can see a brief that works: the show's own example (``audiobrief init``
    makes one), the repository's, or the README."""
    for example in (Path("briefs", "example-brief.txt"), Path("examples", "seed-brief.txt")):
        if example.is_file():
            return f"see {example} for one that works"
    return "see the README, section \"Briefs\", for the shapes audiobrief reads"


def parse_text_brief(text: str, *, path: str | None = None, brief_id: str | None = None, language: str = "en") -> Brief:
    """Parse a plain-text or Markdown rendering of a brief (see the module doc and the README).

    :param text: the decoded document.
    :param path: the file it came from, for messages.
    :param brief_id: stable id; defaults to the slug of the file name, else of the headline.
    :returns: the parsed brief.
    :raises BriefError: when the document has no facts and no narratives.
    """
    where = path or "<brief>"
    doc = _split_document(text, language, where)
    if not doc.facts and not doc.narratives and len(doc.header) >= 2:
        doc.facts, doc.narratives = _infer_story(doc.header[1:], doc.warnings, where)
        doc.header = doc.header[:1]
    sources = list(doc.sources)
    known = {s.number for s in sources}
    facts: list[Fact] = []
    for item in doc.facts:
        fact_text, numbers = strip_citation(_clean(item.text), known)
        if not numbers:
            fact_text, numbers = _fact_outlet(fact_text, sources)
        if len(re.sub(r"\W", "", fact_text)) < 3:
            doc.warnings.append(f"{where}, line {item.line}: skipped an empty fact")
            continue
        facts.append(Fact(fact_text, numbers))
    narratives: list[Narrative] = []
    for index, item in enumerate(doc.narratives, start=1):
        narrative = _parse_narrative(item, tuple(sources), index)
        if not narrative.text:
            doc.warnings.append(f"{where}, line {item.line}: skipped the narrative {narrative.label!r}: it has no text")
            continue
        narratives.append(narrative)
    _drop_cut_off_end(narratives if narratives else facts, doc.warnings, where)
    if not facts and not narratives:
        first = doc.header[0].line if doc.header else None
        if doc.dropped and not doc.headings:
            raise BriefError(
                f"found no brief, only page chrome ({len(doc.dropped)} line(s) of it: "
                f"{_chrome_sample(doc)}); give the brief a headline on its first line, then a 'Facts' heading "
                f"with '- ' bullets and a 'Narratives' heading ({_example_hint()}; `audiobrief script --explain` "
                "shows why each line was dropped)", path=path, line=first)
        raise BriefError(
            "found no facts and no narratives. Expected a 'Facts' heading followed by '- ' bullets "
            f"and/or a 'Narratives' heading ({_example_hint()})",
            path=path,
            line=first,
        )
    if not doc.headings:
        _plausible(doc, facts, path, language)
    header = [_clean(i.text) for i in doc.header]
    if header:
        title, summary_lines = title_case(header[0]), header[1:]
    else:
        first_text = facts[0].text if facts else narratives[0].text
        title, summary_lines = _derive_headline(first_text), []
        doc.warnings.append(f"{where}: no headline; derived one from the first item")
    for warning in doc.warnings:
        log.warning("%s", warning)
    return Brief(
        id=brief_id or slugify(Path(path).stem if path else title),
        title=title,
        summary=_complete_sentences(" ".join(summary_lines)) if summary_lines else "",
        facts=tuple(facts),
        narratives=tuple(narratives),
        sources=tuple(sources),
        language=language,
        path=path,
        warnings=tuple(doc.warnings),
    )


def _chrome_sample(doc: _TextDoc) -> str:
    return ", ".join(repr(line if len(line) <= 40 else line[:37] + "...") for _, line in doc.dropped[:3])


def _drop_garbled(doc: _TextDoc, where: str, language: str) -> None:
    """Drop every paragraph that is mostly fused and non-words (a merged revision page), with a warning
    naming it; a merged headline gives way to a clean headline-shaped line of the header, if any."""
    from .garble import garble

    def role(line: int, new: str) -> None:
        index = next((i for i, entry in enumerate(doc.lines) if entry[0] == line), None)
        if index is not None:
            doc.lines[index] = (line, new, doc.lines[index][2])

    def bad(item: _Item) -> bool:
        verdict = garble(item.text, language)
        if not verdict.garbled:
            return False
        role(item.line, "garbled")
        doc.dropped.append((item.line, item.text))
        doc.warnings.append(
            f"{where}, line {item.line}: dropped a garbled paragraph ({verdict.share:.0%} of its words are run "
            f"together or not words: {', '.join(verdict.bad[:4])}), probably two versions of a page merged")
        return True

    if doc.header and bad(doc.header[0]):
        rest = [item for item in doc.header[1:] if _headline_shaped(item.text) and not garble(item.text, language).garbled]
        if rest:
            doc.warnings.append(f"{where}, line {rest[0].line}: took this line as the headline instead")
            doc.header = [rest[0], *[i for i in doc.header[1:] if i is not rest[0]]]
            role(rest[0].line, "headline")
        else:
            doc.header = doc.header[1:]  # no clean one: a headline is derived from the first item
    doc.header = doc.header[:1] + [item for item in doc.header[1:] if not bad(item)]
    doc.facts = [item for item in doc.facts if not bad(item)]
    doc.narratives = [item for item in doc.narratives if not item.text or not bad(item)]
    doc.dropped.sort()


def _plausible(doc: _TextDoc, facts: list[Fact], path: str | None, language: str) -> None:
    """Refuse a brief whose structure was inferred (no headings) when its headline looks like page
    chrome, or every fact does: such a page must not become an episode."""
    rules = reading()

    def chrome_like(text: str) -> LineScore | None:
        score = rules.score(text, key=text, language=language, in_chrome_section=False)
        strong = {name for name, _ in score.reasons} & {"known_chrome", "score_or_count", "date_line", "handle"}
        return score if strong or score.score >= rules.chrome_at else None

    headline = doc.header[0] if doc.header else None
    found = None
    if headline is not None:
        why = chrome_like(_clean(headline.text))
        if why is not None or len(headline.text.split()) < 3:
            found = (f"its headline {headline.text!r} (line {headline.line}) looks like page chrome"
                     f" ({why.explain() if why else 'fewer than three words: a site or community name'})")
    if found is None and facts and all(chrome_like(f.text) is not None for f in facts):
        found = f"every one of its {len(facts)} fact(s) looks like page chrome (first: {facts[0].text!r})"
    if found is not None:
        raise BriefError(
            f"does not look like a brief: {found}. Nothing was built from it. If it is a brief, give it "
            "headings: the headline on the first line, then 'Facts' with '- ' bullets and 'Narratives' "
            "(`audiobrief script --explain` shows how each line was read)",
            path=path, line=headline.line if headline else None)


def _derive_headline(text: str, max_words: int = 12) -> str:
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    words = first.split()
    return " ".join(words[:max_words]) + ("..." if len(words) > max_words else "")
