"""Stage 1: read a brief file into a :class:`~audiobrief.models.Brief`.

Parsers are chosen from :data:`PARSERS` by file suffix. The plain-text parser is lenient and
table-driven: section headings, page chrome and narrative label shapes are entries in the tables
below, so a new rendering of a brief is usually a new table row, not new code. A malformed item is
skipped with a warning that names its line; :class:`~audiobrief.errors.BriefError` is raised only
when nothing usable remains or the file is not text.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BriefError
from .models import Brief, Fact, Narrative, Source
from .speakable import repair_text

if TYPE_CHECKING:
    from .config import Limits

__all__ = [
    "PARSERS",
    "brief_from_mapping",
    "brief_paths",
    "classify_lines",
    "dropped_lines",
    "load_brief",
    "parse_json_brief",
    "parse_text_brief",
    "parse_yaml_brief",
    "slugify",
    "tidy_outlet",
]

log = logging.getLogger(__name__)

# --- tables -------------------------------------------------------------------------------------
# A new rendering of a brief is usually a new row here. Headings and chrome are matched against a
# whole line with Markdown marks ("## ", "**") and a trailing colon taken off, case-insensitively.

#: Section headings -> section. "chrome" sections (page widgets) are skipped until the next heading.
SECTION_HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), section)
    for pattern, section in (
        (r"(the )?(key )?facts", "facts"),
        (r"what happened", "facts"),
        (r"(los )?hechos( clave)?|lo que (pas|ocurri)\u00f3", "facts"),  # Spanish renderings
        (r"(the )?narratives", "narratives"),
        (r"(las )?narrativas|(los )?relatos", "narratives"),
        (r"(the )?spin", "narratives"),
        (r"(the )?perspectives", "narratives"),
        (r"metaculus prediction.*", "chrome"),
        (r"(establishment|political|bias) split", "chrome"),
        (r"public figures in this story", "chrome"),
        (r"articles on this story", "chrome"),
        (r"(related|more) (stories|articles|coverage)", "chrome"),
        (r"comments( \(\d+\))?", "chrome"),
        # link-aggregator sidebars (Lemmy and the like): everything after these is the sidebar
        (r"(\d+\s+)?users here now", "chrome"),
        (r"(community )?rules", "chrome"),
        (r"moderators", "chrome"),
        (r"(about|sidebar|community info(rmation)?)( this community)?", "chrome"),
    )
)

#: Page chrome dropped wherever it appears.
JUNK_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.I)
    for pattern in (
        r"/?\s*\d{1,2}:\d{2}(:\d{2})?\s*(/\s*\d{1,2}:\d{2}(:\d{2})?)?",  # audio player clocks: 0:00 /0:00
        r"(listen|play)( to this( article| brief)?)?",
        r"image (copyright|credits?|source)s?\s*:.*",
        r"(photo|picture)( credit)?s?\s*:.*",
        r".*\b(sign up|subscribe)\b.*\b(newsletter|inbox|e-?mail)\b.*",
        r"home\s*[›>»/].*",  # forum and site breadcrumbs
        r"members online\s*:?\s*\d+",
        r"posted by\s+\S+.*",
        r"(joined|posts|location)\s*:\s*\S+.*",
        r"\d+\s+(replies|views|comments|likes)",
        r"((reply|quote|report|share|like|permalink)\s*)+",
        r"sign up( now| today| here)?( for (our|the) (free )?(daily |weekly )?newsletters?)?[.!]?",
        r".*\bnewsletters?\b.*\b(sign up|subscribe)\b.*",
        r"(subscribe|sign up)\s+(now|today|here)[.!]?",
        r".{1,60}\bprofile (image|picture|photo)",
        r"(\u00a9\s*)?(copyright\s*)?(\u00a9\s*)?(\d{4}\s*)?.{0,60}\ball rights reserved\.?",
        r"version\s+\d+(\.\d+)+",
        r"(last )?edited( \d+ \w+ ago)? by\s+\S+.*",
        r"submitted\s+\d+\s+\w+\s+ago\s+by\s+.*",
        r"this post was submitted on\s+.*",
        r"\d+\s+points?\s*(\(\d+% liked\))?",
        r"\d+\s+(subscribers|users\s*/\s*\w+|comments?)",
        r"created by\s+\S+.*",
        r"(cross-?posted|crossposted) (from|to)\s+.*",
        r"(?-i:[a-z0-9_-]{2,40})",  # a bare lowercase handle or community name (forum and aggregator pages)
    )
)

#: A narrative label alone on a line (the story-page rendering), optionally with its outlet.
LABEL_LINE = re.compile(
    r"(?P<label>narrative\s+[A-Z0-9]|(?:[\w'\u2019-]+\s+){0,3}narrative(?:\s+[A-Z0-9])?"
    r"|(?:narrativa|relato)(?:\s+[\w'\u2019-]+){0,3}?"
    r"|left|right|cent(?:er|re)|pro-[\w-]+|anti-[\w-]+|establishment-critical|cynical|democratic|republican"
    r"|conservative|liberal|progressive)"
    r"(?:\s*,?\s*(?:as provided by|seg\u00fan|de acuerdo con)\s+(?P<outlet>[^.:]{1,60}))?\s*:?",
    re.I,
)

#: A label opening a narrative inside running text: "Pro-Trump narrative: ...", "Narrative A: ...".
INLINE_LABEL = re.compile(
    r"(?:^|(?<=[.!?\u2019'\"]\s))(?P<label>(?:[A-Z][\w'\u2019-]*\s+){0,3}narrative(?:\s+[A-Z0-9])?"
    r"|Narrative\s+[A-Z0-9])\s*:\s+"
)

#: The "as provided by Outlet." shape of a narrative item (the lite page scrape).
PROVIDED_BY = re.compile(
    r"^(?P<label>.{1,80}?\bnarrative|(?:narrativa|relato)\b[^,.:]{0,60}?)\s*,?\s*"
    r"(?:as provided by|seg\u00fan|de acuerdo con)\s+(?P<rest>.+)$", re.I | re.S)

#: A forum repost's per-fact attribution: "... on Saturday. Valley Tribune (LR: 3 CP: 2)".
FACT_OUTLET_SUFFIX = re.compile(
    r"(?<=[.!?'\"\u2019\u201d])\s+(?:[-\u2013\u2014]\s*)?"
    r"(?P<outlet>[A-Z][\w&.'\u2019-]*(?:\s+[A-Z&][\w&.'\u2019-]*){0,4})\s*\(\s*LR:\s*\d+\s*,?\s*CP:\s*\d+\s*\)\s*$"
)

#: Words and phrases that mark a paragraph as someone's case rather than reporting, for briefs with
#: no headings and no labels. Each hit scores one; two or more make a narrative.
OPINION_MARKERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rf"\b{pattern}\b", re.I)
    for pattern in (
        "argues?", "argued", "insists?", "claims?", "contends?", "believes?", "calls? (it|the|this)", "says? the",
        "warns? that", "accuses?", "slams?", "praises?", "hails?", "condemns?", "blames?", "denounces?",
        "betrayal", "disgrace(ful)?", "reckless", "shameful", "sensible", "outrage(ous)?", "scandal(ous)?",
        "propaganda", "so-called", "must", "should", "never", "finally", "at last", "common sense",
        "supporters", "critics", "opponents", "proponents", "backers", "defenders", "skeptics",
        "narrative", "in (their|our|his|her) view", "we", "our",
    )
)
#: Who a paragraph speaks for, when it says so in its first words: "Supporters of the closure argue ..."
SIDE_OPENERS = re.compile(r"^(?P<side>supporters|critics|opponents|proponents|backers|defenders|skeptics)\b", re.I)

#: Acronyms kept in capitals when an ALL-CAPS headline is put into title case.
ACRONYMS = frozenset({"US", "UK", "UN", "EU", "NATO", "FBI", "CIA", "GDP", "PRC", "KMT", "ECOWAS", "FED", "AI",
                      "NHS", "WHO", "IMF", "OPEC", "GOP", "BBC", "TASS", "NASA", "USA", "COVID"})
_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with"})

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25cf\u2013]|\d+[.)])\s+")
_SOURCES_LINE = re.compile(r"^\s*(?:sources?|fuentes?)\s*:\s*(?P<rest>.+)$", re.I)
# "1Guardian, 2Associated Press, 3TASS and 4Al Jazeera." -> number + outlet pairs.
_SOURCE_ITEM = re.compile(r"(?P<number>\d{1,3})\s*(?P<outlet>.+?)(?=\s*(?:,|;|\band\b|\by\b|&)\s*\d{1,3}\s*\S|\s*\.?\s*$)")
_OUTLET_END = re.compile(r"(?<!\b[A-Z])\.\s+(?=\S)")
# A citation: 1-3 digits (maybe a comma list) glued after sentence-final punctuation or a quote.
_CITATION = re.compile(r"(?<=[.!?'\"\u2019\u201d)\]])(?P<nums>\d{1,3}(?:\s*,\s*\d{1,3})*)\s*$")
_MID_CITATION = re.compile(r"(?<=[A-Za-z%)\u2019'\"][.!?])\d{1,3}(?:\s*,\s*\d{1,3})*(?=\s+[A-Z\u201c\"])")
_ELLIPSIS_END = re.compile(r"\s*(\.{3,}|\u2026)\s*$")
_SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)]*(?=\s|$)")
_ENDS_SENTENCE = re.compile(r"[.!?]['\"\u2019\u201d)]*$")


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
    # Control characters are invalid in XML and ID3 text; scraped pages carry them. Mojibake and
    # emoji are repaired here, not only in speech, because titles and notes are shown too.
    text = repair_text(_CONTROL.sub("", text)).replace("**", "").replace("__", "")
    return re.sub(r"\s+", " ", text).strip()


def tidy_outlet(name: str) -> str:
    """An outlet's name as listeners should hear and read it.

    >>> tidy_outlet("COASTAL NEWS NETWORK (a)"), tidy_outlet("harbor gazette"), tidy_outlet("TASS")
    ('Coastal News Network', 'Harbor Gazette', 'TASS')
    """
    name = re.sub(r"\s*\([a-z]\)$", "", _clean(name)).strip(" .,;")  # "(a)"/"(b)" tell repeats apart
    if name.islower() or (name.isupper() and len(name.replace(" ", "")) > 5):
        name = " ".join(w if w.upper() in ACRONYMS else w.capitalize() for w in name.lower().split())
    return name


def title_case(headline: str) -> str:
    """Put an ALL-CAPS headline (social posts) into title case, keeping known acronyms.

    >>> title_case("SENATE PASSES STOPGAP BILL AS US SHUTDOWN LOOMS")
    'Senate Passes Stopgap Bill as US Shutdown Looms'
    """
    if not headline.isupper():
        return headline
    words = headline.split()
    out = []
    for i, word in enumerate(words):
        bare = re.sub(r"\W", "", word)
        if bare in ACRONYMS:
            out.append(word)
        elif i and bare.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(word[:1] + word[1:].lower())
    return " ".join(out)


def _complete_sentences(text: str) -> str:
    """Keep ``text`` up to its last complete sentence when it was cut off (``" ..."``, mid-word).

    >>> _complete_sentences("One thing happened. Then another thi ...")
    'One thing happened.'
    >>> _complete_sentences("It happened on Wednesday....")
    'It happened on Wednesday.'
    >>> _complete_sentences("A toll will be charged on the Harbor Bridge...")
    'A toll will be charged on the Harbor Bridge.'
    """
    text = _clean(text)
    match = _ELLIPSIS_END.search(text)
    if match is None:
        return text
    body = text[: match.start()]
    glued = match.group(0)[:1] != " "
    if glued and re.search(r"\w['\"\u2019]?$", body):
        # "on the Harbor Bridge..." : a teaser ellipsis after a whole word; every word is kept.
        return body + "."
    ends = list(_SENTENCE_END.finditer(body))
    if ends:
        return body[: ends[-1].end()]
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
    # Citations inside the text ("in the elections.5 Turnout ...") go whatever their number.
    text = _MID_CITATION.sub("", text)
    match = _CITATION.search(text)
    if match is None:
        return text, ()
    numbers = tuple(int(n) for n in re.split(r"\s*,\s*", match.group("nums")))
    before = text[: match.start()]
    if re.search(r"\d\.$", before) and not (known_numbers and set(numbers) <= known_numbers):
        return text, ()  # the decimals of a number ("3.5"), not a citation
    # Digits glued after a word's full stop are a citation even when the sources line forgot them.
    return before.rstrip(), tuple(n for n in numbers if not known_numbers or n in known_numbers)


def parse_sources(rest: str) -> tuple[Source, ...]:
    """Parse the body of a ``Sources:`` line.

    >>> [(s.number, s.outlet) for s in parse_sources("1Guardian, 2Associated Press, 3TASS and 4Al Jazeera.")]
    [(1, 'Guardian'), (2, 'Associated Press'), (3, 'TASS'), (4, 'Al Jazeera')]
    """
    sources: dict[int, Source] = {}
    for match in _SOURCE_ITEM.finditer(rest):
        outlet = tidy_outlet(match.group("outlet"))
        number = int(match.group("number"))
        if outlet and number not in sources:
            sources[number] = Source(number, outlet)
    return tuple(sources.values())


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
    sources: tuple[Source, ...] = ()
    warnings: list[str] = field(default_factory=list)


def _heading_key(line: str) -> str:
    return re.sub(r"^[#*_\s]+|[*_:\s]+$", "", line)


def _section_of(line: str) -> str | None:
    key = _heading_key(line)
    for pattern, section in SECTION_HEADINGS:
        if pattern.fullmatch(key):
            return section
    return None


def _is_junk(line: str) -> bool:
    return any(p.fullmatch(line) for p in JUNK_LINES)


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
#: (line, headline so far, current section)). What a class does is in :func:`_split_document`.
LINE_CLASSES: tuple[tuple[str, Callable[[str, str | None, str], bool]], ...] = (
    ("chrome", lambda line, title, section: _is_junk(line)),
    ("heading", lambda line, title, section: _section_of(line) is not None),
    ("sources", lambda line, title, section: _SOURCES_LINE.match(line) is not None),
    ("repeat", lambda line, title, section: title is not None and _clean(_heading_key(line)).lower() == title.lower()),
    ("sidebar", lambda line, title, section: section == "chrome"),
    ("label", lambda line, title, section: section in ("narratives", "header") and title is not None
     and _label_line(line) is not None),
    ("bullet", lambda line, title, section: _BULLET.match(line) is not None),
)


def _classify(line: str, title: str | None, section: str) -> str:
    return next((name for name, test in LINE_CLASSES if test(line, title, section)), "text")


def _split_document(text: str) -> _TextDoc:
    doc = _TextDoc()
    section = "header"
    after_blank = False
    title: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            after_blank = True
            continue
        kind = _classify(line, title, section)
        if kind in ("chrome", "repeat", "sidebar"):
            doc.dropped.append((number, line))
            doc.lines.append((number, kind, line))
            continue
        if kind == "heading":
            section, after_blank = _section_of(line) or section, False
            doc.lines.append((number, "chrome heading" if section == "chrome" else "heading", line))
            if section == "chrome":
                doc.dropped.append((number, line))
            continue
        if kind == "sources":
            doc.sources = doc.sources + parse_sources(_SOURCES_LINE.match(line).group("rest"))  # type: ignore[union-attr]
            doc.lines.append((number, "sources", line))
            continue
        bullet = _BULLET.match(line)
        if section == "header" and kind == "bullet" and doc.header:
            section = "facts"  # bullets straight after the headline are facts (forum reposts)
        items: list[_Item] = getattr(doc, section)
        body = line[bullet.end() :] if bullet else line
        if kind == "label":
            label = _label_line(line)
            assert label is not None
            items.append(_Item(number, "", label=label.group("label"), outlet=label.group("outlet")))
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
    doc.header = header
    doc.narratives = [piece for item in doc.narratives for piece in (_split_inline(item) if item.label is None else [item])]
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


def classify_lines(text: str) -> list[tuple[int, str, str]]:
    """Every non-blank line of a text brief with what the parser took it for (line number, role, text).

    Roles: headline, summary, heading, fact, label, narrative, continued (a wrapped line), sources,
    chrome, chrome heading, sidebar (under a chrome heading), repeat (the headline again).
    """
    return _split_document(text).lines


def dropped_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a text brief that were dropped as page chrome (line number, text), for review."""
    return sorted(_split_document(text).dropped)


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
    match = FACT_OUTLET_SUFFIX.search(text)
    if match is None:
        return text, ()
    outlet = tidy_outlet(match.group("outlet"))
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


def parse_text_brief(text: str, *, path: str | None = None, brief_id: str | None = None, language: str = "en") -> Brief:
    """Parse a plain-text or Markdown rendering of a brief (see the module doc and the README).

    :param text: the decoded document.
    :param path: the file it came from, for messages.
    :param brief_id: stable id; defaults to the slug of the file name, else of the headline.
    :returns: the parsed brief.
    :raises BriefError: when the document has no facts and no narratives.
    """
    where = path or "<brief>"
    doc = _split_document(text)
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
        raise BriefError(
            "found no facts and no narratives. Expected a 'Facts' heading followed by '- ' bullets "
            "and/or a 'Narratives' heading (see examples/seed-brief.txt or the JSON form in the README)",
            path=path,
            line=first,
        )
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


def _derive_headline(text: str, max_words: int = 12) -> str:
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    words = first.split()
    return " ".join(words[:max_words]) + ("..." if len(words) > max_words else "")


# --- JSON -------------------------------------------------------------------------------------------


def parse_json_brief(text: str, *, path: str | None = None, brief_id: str | None = None, language: str = "en") -> Brief:
    """Parse the JSON form of a brief (schema: ``audiobrief/schemas/brief.schema.json``).

    :raises BriefError: naming the line (for bad JSON) or the field (for a wrong shape).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BriefError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from exc
    return brief_from_mapping(data, path=path, brief_id=brief_id, language=language)


def parse_yaml_brief(text: str, *, path: str | None = None, brief_id: str | None = None, language: str = "en") -> Brief:
    """Parse a YAML brief: the same fields as the JSON form.

    :raises BriefError: naming the line (for bad YAML) or the field (for a wrong shape).
    """
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise BriefError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=path, line=line) from exc
    if isinstance(data, dict) and isinstance(data.get("published"), dt.datetime | dt.date):
        data["published"] = data["published"].isoformat()
    return brief_from_mapping(data, path=path, brief_id=brief_id, language=language)


@functools.cache
def _validator() -> Any:
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("audiobrief").joinpath("schemas/brief.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


_JSON_TYPES = {"string": "a string", "integer": "a whole number", "array": "a list", "object": "an object"}


def _where(error: Any) -> str:
    parts = ""
    for part in error.absolute_path:
        parts += f"[{part}]" if isinstance(part, int) else f".{part}"
    return parts.lstrip(".")


def validate_brief_data(data: Any, *, path: str | None = None) -> None:
    """Check decoded JSON or YAML against ``schemas/brief.schema.json``, the one definition of a brief.

    :raises BriefError: naming the first field that breaks the schema, and what it must be.
    """
    import jsonschema

    if not isinstance(data, dict):
        raise BriefError("the top level must be an object with 'title', 'facts', 'narratives'", path=path)
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is None:
        ignored = sorted(set(data) - set(_validator().schema["properties"]))
        if ignored:
            log.warning("%s: ignoring field(s) a brief does not have: %s", path or "<brief>", ", ".join(ignored))
        return
    where = _where(error)
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        name = f"{where}.{missing}" if where else missing
        raise BriefError(f"field '{name}' is missing; add it", path=path)
    if error.validator == "anyOf" and not where:
        raise BriefError("has no 'facts' and no 'narratives'; add at least one of them", path=path)
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        raise BriefError(f"field '{where}' must be {_JSON_TYPES.get(wanted, wanted)}, not "
                         f"{type(error.instance).__name__}", path=path)
    if error.validator == "minLength":
        raise BriefError(f"field '{where}' is empty; give its text, or leave the field out", path=path)
    if error.validator == "additionalProperties":
        known = ", ".join(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        raise BriefError(f"field '{where}' has unknown key(s) {', '.join(extra)}; known: {known}", path=path)
    if error.validator == "pattern" and where == "language":
        raise BriefError(f"field 'language' is {error.instance!r}; give an ISO 639 code such as \"en\", \"es\" or "
                         "\"pt-BR\"", path=path)
    if error.validator == "oneOf" and where.startswith("facts["):
        raise BriefError(f"field '{where}' must be a string or an object with 'text' (and 'sources')", path=path)
    raise BriefError(f"field '{where or 'top level'}': {error.message}", path=path)


def brief_from_mapping(data: Any, *, path: str | None = None, brief_id: str | None = None, language: str = "en") -> Brief:
    """Build a brief from the structured form (decoded JSON or YAML), checked against its JSON Schema.

    ``language`` is the brief's when it declares none.

    :raises BriefError: naming the field that is missing or of the wrong type.
    """
    validate_brief_data(data, path=path)
    title = _clean(data["title"])
    if not title:
        raise BriefError("field 'title' is empty; give the headline", path=path)
    sources = tuple(Source(number=raw["number"], outlet=_clean(raw["outlet"]), url=raw.get("url"))
                    for raw in data.get("sources") or [])
    facts = []
    for raw in data.get("facts") or []:
        if isinstance(raw, str):
            facts.append(Fact(_clean(raw), ()))
        else:
            facts.append(Fact(_clean(raw["text"]), tuple(raw.get("sources") or ())))
    narratives = [Narrative(label=_clean(raw["label"]), text=_clean(raw["text"]), outlet=raw.get("outlet"))
                  for raw in data.get("narratives") or []]
    published = None
    raw_published = data.get("published")
    if raw_published:
        try:
            published = dt.datetime.fromisoformat(raw_published.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BriefError(
                f"field 'published' is not an ISO 8601 date ('{raw_published}'); use e.g. 2024-05-31T06:00:00Z",
                path=path,
            ) from exc
        if published.tzinfo is None:
            published = published.replace(tzinfo=dt.UTC)
    return Brief(
        id=data.get("id") or brief_id or slugify(Path(path).stem if path else title),
        title=title,
        summary=_clean(data.get("summary") or ""),
        facts=tuple(facts),
        narratives=tuple(narratives),
        sources=tuple(sources),
        published=published,
        language=data.get("language") or language,
        path=path,
    )


# --- entry point --------------------------------------------------------------------------------------

Parser = Callable[..., Brief]

#: File suffix -> parser. Anything else is read as plain text.
from .inputs import brief_paths  # noqa: E402  (re-exported: it used to live here)

PARSERS: dict[str, Parser] = {
    ".json": parse_json_brief,
    ".yaml": parse_yaml_brief,
    ".yml": parse_yaml_brief,
    ".txt": parse_text_brief,
    ".text": parse_text_brief,
    ".md": parse_text_brief,
    ".markdown": parse_text_brief,
}


def _decode(data: bytes, path: str) -> str:
    if not data.strip():
        raise BriefError("is empty; a brief needs a headline, facts and narratives", path=path)
    if b"\x00" in data[:4096]:
        raise BriefError("is not a text file (it contains NUL bytes); give a brief as .txt, .md, .json or .yaml", path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BriefError(
            f"is not UTF-8 (byte 0x{data[exc.start]:02x}); re-save the file as UTF-8", path=path, line=line
        ) from exc


def load_brief(path: str | Path, *, limits: Limits | None = None, language: str = "en",
               force_language: str | None = None) -> Brief:
    """Read and parse one brief file, choosing the parser by suffix.

    :param path: a ``.txt``/``.md`` (or other plain-text), ``.json`` or ``.yaml`` brief.
    :param limits: the largest brief accepted (default: :class:`~audiobrief.config.Limits`' defaults).
    :param language: the language of a brief that does not declare one (text briefs never do): the show's.
    :param force_language: the language of every brief, whatever it declares (``--language``).
    :returns: the parsed :class:`Brief`.
    :raises BriefError: the file is missing, unreadable, not text, too large, or has nothing usable.
    """
    from .config import Limits

    limits = limits or Limits()
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_brief_bytes:
            raise BriefError(
                f"is {size / 1e6:.1f} MB, more than the limit of {limits.max_brief_bytes / 1e6:g} MB; split it into "
                "several briefs, or raise [limits] max_brief_bytes in audiobrief.toml", path=str(p))
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise BriefError("no such file; check the path", path=str(p)) from exc
    except IsADirectoryError as exc:
        raise BriefError("is a folder; give brief files, or the folder alone as the only kind of argument",
                         path=str(p)) from exc
    except OSError as exc:
        raise BriefError(f"cannot be read ({exc.strerror or exc}); check its permissions", path=str(p)) from exc
    parser = PARSERS.get(p.suffix.lower(), parse_text_brief)
    text = _decode(data, str(p))
    if parser is parse_text_brief:
        _check_lines(text, limits.max_line_chars, str(p))
    brief = parser(text, path=str(p), language=language)
    check_limits(brief, limits)
    return replace(brief, language=force_language) if force_language else brief


def _check_lines(text: str, max_chars: int, path: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > max_chars:
            raise BriefError(
                f"this line has {len(line)} characters, more than the limit of {max_chars}; break it into "
                "paragraphs, or raise [limits] max_line_chars in audiobrief.toml", path=path, line=number)


def check_limits(brief: Brief, limits: Limits) -> None:
    """Refuse a brief with more items, words or longer fields than ``limits`` allow (naming the limit)."""
    items = len(brief.facts) + len(brief.narratives)
    if items > limits.max_items:
        raise BriefError(
            f"has {items} facts and narratives, more than the limit of {limits.max_items}; split it into several "
            "briefs, or raise [limits] max_items in audiobrief.toml", path=brief.path)
    texts = [("title", brief.title), ("summary", brief.summary),
             *((f"facts[{i}]", f.text) for i, f in enumerate(brief.facts)),
             *((f"narratives[{i}]", n.text) for i, n in enumerate(brief.narratives))]
    words = sum(len(text.split()) for _, text in texts)
    if words > limits.max_words:
        raise BriefError(
            f"has {words} words, more than the limit of {limits.max_words}; split it into several briefs, or raise "
            "[limits] max_words in audiobrief.toml", path=brief.path)
    for name, text in texts:
        if len(text) > limits.max_line_chars:
            raise BriefError(
                f"field '{name}' has {len(text)} characters, more than the limit of {limits.max_line_chars}; "
                "shorten it, or raise [limits] max_line_chars in audiobrief.toml", path=brief.path)
