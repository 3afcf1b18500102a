"""Small text helpers shared by the parsers: slugs, outlet names, headline case, citations, sources."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..models import Source
from ..speakable import repair_text
from .tables import _CITATION, _ELLIPSIS_END, _MID_CITATION, _SENTENCE_END, _SMALL_WORDS, _SOURCE_ITEM, ACRONYMS

if TYPE_CHECKING:
    pass

log = logging.getLogger("audiobrief.brief")


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
