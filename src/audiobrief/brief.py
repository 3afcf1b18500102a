"""Stage 1: read a brief file into a :class:`~audiobrief.models.Brief`.

Parsers are chosen from :data:`PARSERS` by file suffix. The plain-text parser is lenient and
table-driven: section headings, page chrome and narrative label shapes are entries in the tables
below, so a new rendering of a brief is usually a new table row, not new code. A malformed item is
skipped with a warning that names its line; :class:`~audiobrief.errors.BriefError` is raised only
when nothing usable remains or the file is not text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BriefError
from .models import Brief, Fact, Narrative, Source

__all__ = ["PARSERS", "load_brief", "parse_json_brief", "parse_text_brief", "slugify"]

log = logging.getLogger(__name__)

# --- tables -------------------------------------------------------------------------------------

#: Section headings, matched against a whole stripped line (case-insensitive).
SECTION_HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(the\s+)?facts:?", re.I), "facts"),
    (re.compile(r"(the\s+)?narratives:?", re.I), "narratives"),
    (re.compile(r"the\s+spin:?", re.I), "narratives"),
)

#: Page chrome dropped wherever it appears: audio-player clocks (``0:00``, ``/0:00``) and the like.
JUNK_LINES: tuple[re.Pattern[str], ...] = (
    re.compile(r"/?\s*\d{1,2}:\d{2}(:\d{2})?\s*(/\s*\d{1,2}:\d{2}(:\d{2})?)?"),
    re.compile(r"(listen|play)( to this( article| brief)?)?", re.I),
)

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25cf\u2013]|\d+[.)])\s+")
_SOURCES_LINE = re.compile(r"^\s*sources?\s*:\s*(?P<rest>.+)$", re.I)
# "1Guardian, 2Associated Press, 3TASS and 4Al Jazeera." -> number + outlet pairs.
_SOURCE_ITEM = re.compile(r"(?P<number>\d{1,3})\s*(?P<outlet>.+?)(?=\s*(?:,|;|\band\b|&)\s*\d{1,3}\s*\S|\s*\.?\s*$)")

#: Narrative item shapes, tried in order; the first that matches wins.
#: ``label`` ends in "narrative"; ``rest`` starts with the outlet when there is one.
NARRATIVE_SHAPES: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?P<label>.{1,80}?\bnarrative)\s*,?\s*as provided by\s+(?P<rest>.+)$", re.I | re.S),
    re.compile(r"^(?P<label>.{1,80}?\bnarrative)\s*[:.\u2014-]\s*(?P<text>.+)$", re.I | re.S),
)

_OUTLET_END = re.compile(r"(?<!\b[A-Z])\.\s+(?=\S)")
# A citation: 1-3 digits (maybe a comma list) glued after sentence-final punctuation or a quote.
_CITATION = re.compile(r"(?<=[.!?'\"\u2019\u201d)\]])(?P<nums>\d{1,3}(?:\s*,\s*\d{1,3})*)\s*$")
_ELLIPSIS_END = re.compile(r"\s*(\.{3,}|\u2026)\s*$")
_SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)]*(?=\s|$)")


# --- helpers ------------------------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    """A lowercase ASCII slug for ids and file names.

    >>> slugify("Kim Pledges Support for Russia's 'Sacred Fight'")
    'kim-pledges-support-for-russias-sacred-fight'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['\u2019]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "brief"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    # Control characters are invalid in XML and ID3 text; scraped pages carry them.
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def _complete_sentences(text: str) -> str:
    """Keep ``text`` up to its last complete sentence when it was cut off (``" ..."``, mid-word).

    >>> _complete_sentences("One thing happened. Then another thi ...")
    'One thing happened.'
    >>> _complete_sentences("It happened on Wednesday....")
    'It happened on Wednesday.'
    """
    text = _clean(text)
    match = _ELLIPSIS_END.search(text)
    if match is None:
        return text
    body = text[: match.start()]
    glued = match.group(0)[:1] != " "
    if glued and len(match.group(1)) >= 4 and re.search(r"\w['\"\u2019]?$", body):
        # "Wednesday...." is a whole sentence followed by a teaser ellipsis.
        return body + "."
    ends = list(_SENTENCE_END.finditer(body))
    if ends:
        return body[: ends[-1].end()]
    if glued:
        body = body.rsplit(" ", 1)[0]  # drop the word the cut went through
    return body.rstrip(" ,;:") + "."


def strip_citation(text: str, known: Iterable[int] = ()) -> tuple[str, tuple[int, ...]]:
    """Split glued citation digits off the end of a fact.

    Digits are taken as a citation only when they are known source numbers, or, with no sources
    line, when they are not the decimals of a number (``3.5``).

    >>> strip_citation("met on Wednesday.1", {1, 2})
    ('met on Wednesday.', (1,))
    >>> strip_citation("since 2000.6", {6})
    ('since 2000.', (6,))
    >>> strip_citation("inflation was 3.5", {1})
    ('inflation was 3.5', ())
    """
    known_numbers = set(known)
    match = _CITATION.search(text)
    if match is None:
        return text, ()
    numbers = tuple(int(n) for n in re.split(r"\s*,\s*", match.group("nums")))
    before = text[: match.start()]
    if known_numbers:
        if not set(numbers) <= known_numbers:
            return text, ()
    elif re.search(r"\d\.$", before):
        return text, ()
    return before.rstrip(), numbers


def parse_sources(rest: str) -> tuple[Source, ...]:
    """Parse the body of a ``Sources:`` line.

    >>> [(s.number, s.outlet) for s in parse_sources("1Guardian, 2Associated Press, 3TASS and 4Al Jazeera.")]
    [(1, 'Guardian'), (2, 'Associated Press'), (3, 'TASS'), (4, 'Al Jazeera')]
    """
    sources: dict[int, Source] = {}
    for match in _SOURCE_ITEM.finditer(rest):
        outlet = match.group("outlet").strip(" .,;")
        number = int(match.group("number"))
        if outlet and number not in sources:
            sources[number] = Source(number, outlet)
    return tuple(sources.values())


# --- plain text -----------------------------------------------------------------------------------


@dataclass
class _Item:
    line: int
    text: str


@dataclass
class _TextDoc:
    header: list[_Item] = field(default_factory=list)
    facts: list[_Item] = field(default_factory=list)
    narratives: list[_Item] = field(default_factory=list)
    sources: tuple[Source, ...] = ()
    warnings: list[str] = field(default_factory=list)


def _section_of(line: str) -> str | None:
    for pattern, section in SECTION_HEADINGS:
        if pattern.fullmatch(line):
            return section
    return None


def _is_junk(line: str) -> bool:
    return any(p.fullmatch(line) for p in JUNK_LINES)


def _split_document(text: str) -> _TextDoc:
    doc = _TextDoc()
    section = "header"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or _is_junk(line):
            continue
        heading = _section_of(line)
        if heading is not None:
            section = heading
            continue
        sources = _SOURCES_LINE.match(line)
        if sources is not None:
            doc.sources = doc.sources + parse_sources(sources.group("rest"))
            continue
        items: list[_Item] = getattr(doc, section)
        bullet = _BULLET.match(line)
        if section == "header" or bullet is not None or not items:
            items.append(_Item(number, line[bullet.end() :] if bullet else line))
        else:
            # A wrapped line continues the item above it.
            items[-1].text = f"{items[-1].text} {line}"
    return doc


def _parse_narrative(item: _Item, sources: tuple[Source, ...], index: int) -> Narrative:
    text = _clean(item.text)
    for shape in NARRATIVE_SHAPES:
        match = shape.match(text)
        if match is None:
            continue
        label = _clean(match.group("label"))
        label = label[0].upper() + label[1:]
        if "rest" not in match.groupdict():
            return Narrative(label=label, text=_complete_sentences(match.group("text")))
        rest = match.group("rest")
        # Prefer a known outlet (it may contain dots, "U.S. News"); else the outlet ends at ". ".
        for outlet in sorted((s.outlet for s in sources), key=len, reverse=True):
            if rest.lower().startswith(outlet.lower()):
                body = rest[len(outlet) :].lstrip(" .:,\u2014-")
                return Narrative(label=label, outlet=rest[: len(outlet)], text=_complete_sentences(body))
        # Unknown outlet: it ends at the first ". " that does not close an initial ("U.S. News").
        split = _OUTLET_END.search(rest) or re.search(r":\s+", rest)
        if split is None:
            return Narrative(label=label, text=_complete_sentences(rest))
        outlet, body = rest[: split.start()], rest[split.end() :]
        return Narrative(label=label, outlet=outlet.strip(" .") or None, text=_complete_sentences(body))
    return Narrative(label=f"Narrative {index}", text=_complete_sentences(text))


def parse_text_brief(text: str, *, path: str | None = None, brief_id: str | None = None) -> Brief:
    """Parse the plain-text rendering of a brief (headline, summary, Facts, Sources, Narratives).

    :param text: the decoded document.
    :param path: the file it came from, for messages.
    :param brief_id: stable id; defaults to the slug of the file name, else of the headline.
    :returns: the parsed brief.
    :raises BriefError: when the document has no facts and no narratives.
    """
    doc = _split_document(text)
    known = {s.number for s in doc.sources}
    facts: list[Fact] = []
    for item in doc.facts:
        fact_text, numbers = strip_citation(_clean(item.text), known)
        if len(re.sub(r"\W", "", fact_text)) < 3:
            doc.warnings.append(f"{path or '<brief>'}, line {item.line}: skipped an empty fact")
            continue
        facts.append(Fact(fact_text, numbers))
    narratives: list[Narrative] = []
    for index, item in enumerate(doc.narratives, start=1):
        narrative = _parse_narrative(item, doc.sources, index)
        if not narrative.text:
            doc.warnings.append(f"{path or '<brief>'}, line {item.line}: skipped a narrative with no text")
            continue
        narratives.append(narrative)
    if not facts and not narratives:
        first = doc.header[0].line if doc.header else None
        raise BriefError(
            "found no facts and no narratives. Expected a 'Facts' heading followed by '- ' bullets "
            "and/or a 'Narratives' heading (see examples/seed-brief.txt or the JSON form in the README)",
            path=path,
            line=first,
        )
    header = [_clean(i.text) for i in doc.header]
    if header:
        title, summary_lines = header[0], header[1:]
    else:
        first_text = facts[0].text if facts else narratives[0].text
        title, summary_lines = _derive_headline(first_text), []
        doc.warnings.append(f"{path or '<brief>'}: no headline; derived one from the first item")
    for warning in doc.warnings:
        log.warning("%s", warning)
    return Brief(
        id=brief_id or slugify(Path(path).stem if path else title),
        title=title,
        summary=_complete_sentences(" ".join(summary_lines)) if summary_lines else "",
        facts=tuple(facts),
        narratives=tuple(narratives),
        sources=doc.sources,
        path=path,
        warnings=tuple(doc.warnings),
    )


def _derive_headline(text: str, max_words: int = 12) -> str:
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    words = first.split()
    return " ".join(words[:max_words]) + ("..." if len(words) > max_words else "")


# --- JSON -------------------------------------------------------------------------------------------


def _field(data: dict[str, Any], name: str, kind: type, where: str, path: str | None, *, required: bool) -> Any:
    value = data.get(name)
    if value is None:
        if required:
            raise BriefError(f"field '{where}{name}' is missing; add it ({kind.__name__})", path=path)
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise BriefError(
            f"field '{where}{name}' must be a {kind.__name__}, not {type(value).__name__}", path=path
        )
    return value


def parse_json_brief(text: str, *, path: str | None = None, brief_id: str | None = None) -> Brief:
    """Parse the JSON form of a brief (schema: ``audiobrief/schemas/brief.schema.json``).

    :raises BriefError: naming the line (for bad JSON) or the field (for a wrong shape).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BriefError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from exc
    if not isinstance(data, dict):
        raise BriefError("the top level must be a JSON object with 'title', 'facts', 'narratives'", path=path)
    title = _clean(_field(data, "title", str, "", path, required=True))
    if not title:
        raise BriefError("field 'title' is empty; give the headline", path=path)
    sources = []
    for i, raw in enumerate(_field(data, "sources", list, "", path, required=False) or []):
        if not isinstance(raw, dict):
            raise BriefError(f"field 'sources[{i}]' must be an object", path=path)
        sources.append(
            Source(
                number=_field(raw, "number", int, f"sources[{i}].", path, required=True),
                outlet=_clean(_field(raw, "outlet", str, f"sources[{i}].", path, required=True)),
                url=_field(raw, "url", str, f"sources[{i}].", path, required=False),
            )
        )
    facts = []
    for i, raw in enumerate(_field(data, "facts", list, "", path, required=False) or []):
        if isinstance(raw, str):
            raw = {"text": raw}
        if not isinstance(raw, dict):
            raise BriefError(f"field 'facts[{i}]' must be a string or an object", path=path)
        numbers = _field(raw, "sources", list, f"facts[{i}].", path, required=False) or []
        if not all(isinstance(n, int) for n in numbers):
            raise BriefError(f"field 'facts[{i}].sources' must list source numbers", path=path)
        facts.append(Fact(_clean(_field(raw, "text", str, f"facts[{i}].", path, required=True)), tuple(numbers)))
    narratives = []
    for i, raw in enumerate(_field(data, "narratives", list, "", path, required=False) or []):
        if not isinstance(raw, dict):
            raise BriefError(f"field 'narratives[{i}]' must be an object", path=path)
        narratives.append(
            Narrative(
                label=_clean(_field(raw, "label", str, f"narratives[{i}].", path, required=True)),
                text=_clean(_field(raw, "text", str, f"narratives[{i}].", path, required=True)),
                outlet=_field(raw, "outlet", str, f"narratives[{i}].", path, required=False),
            )
        )
    if not facts and not narratives:
        raise BriefError("has no 'facts' and no 'narratives'; add at least one of them", path=path)
    published = None
    raw_published = _field(data, "published", str, "", path, required=False)
    if raw_published:
        try:
            published = dt.datetime.fromisoformat(raw_published.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BriefError(
                f"field 'published' is not an ISO 8601 date ('{raw_published}'); use e.g. 2024-05-31T06:00:00Z",
                path=path,
            ) from exc
        if published.tzinfo is None:
            published = published.replace(tzinfo=dt.timezone.utc)
    return Brief(
        id=_field(data, "id", str, "", path, required=False) or brief_id or slugify(Path(path).stem if path else title),
        title=title,
        summary=_clean(_field(data, "summary", str, "", path, required=False) or ""),
        facts=tuple(facts),
        narratives=tuple(narratives),
        sources=tuple(sources),
        published=published,
        language=_field(data, "language", str, "", path, required=False) or "en",
        path=path,
    )


# --- entry point --------------------------------------------------------------------------------------

Parser = Callable[..., Brief]

#: File suffix -> parser. Anything else is read as plain text.
PARSERS: dict[str, Parser] = {
    ".json": parse_json_brief,
    ".txt": parse_text_brief,
    ".text": parse_text_brief,
}


def _decode(data: bytes, path: str) -> str:
    if not data.strip():
        raise BriefError("is empty; a brief needs a headline, facts and narratives", path=path)
    if b"\x00" in data[:4096]:
        raise BriefError("is not a text file (it contains NUL bytes); give a .txt or .json brief", path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BriefError(
            f"is not UTF-8 (byte 0x{data[exc.start]:02x}); re-save the file as UTF-8", path=path, line=line
        ) from exc


def load_brief(path: str | Path) -> Brief:
    """Read and parse one brief file, choosing the parser by suffix.

    :param path: a ``.txt`` (or other plain-text) or ``.json`` brief.
    :returns: the parsed :class:`Brief`.
    :raises BriefError: the file is missing, unreadable, not text, or has nothing usable.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise BriefError("no such file; check the path", path=str(p)) from exc
    except OSError as exc:
        raise BriefError(f"cannot be read ({exc.strerror})", path=str(p)) from exc
    parser = PARSERS.get(p.suffix.lower(), parse_text_brief)
    return parser(_decode(data, str(p)), path=str(p))
