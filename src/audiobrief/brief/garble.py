"""Garbled text: a paragraph of fused and non-words is never spoken.

A CMS revision page can merge two versions of a text word by word ("TheA councilnew votedbridge
ontoll Tuesdaywill"). Each word of a paragraph is looked up in a word-frequency list (wordfreq, in
the brief's language); a word that is not in it but splits into two words that are ("councilnew",
"TheA", "Tuesdaywill") is fused, and an unknown lowercase word is a non-word. A capitalised word that
is not in the list is a name, not garbage. The share of bad words is the paragraph's garble score;
``scripts/measure_garble.py`` measured the lists and the threshold (see the README, "Garbled text").
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("audiobrief.brief")

__all__ = ["FUSED_SHARE", "GARBLED_SHARE", "Garble", "garble", "is_garbled"]

#: A paragraph whose share of fused and non-words reaches this is garbage (measured: clean
#: paragraphs of every fixture reach at most 0.10, merged revisions at least 0.45).
GARBLED_SHARE = 0.3
#: ... of which this share at least are words run together (a foreign paragraph has unknown words only).
FUSED_SHARE = 0.15
#: Paragraphs with fewer words are too short to judge (a name, "Reuters", "Key facts").
MIN_WORDS = 4
#: How common a word must be to count as one (wordfreq's Zipf scale: 3 is once per million words).
KNOWN_ZIPF = 1.5
#: How common each part of a fused word must be: "council" + "new", not "west" + "brook"; a part of one
#: or two letters must be a very common word ("on" + "toll"), not an ending ("europe" + "os").
PART_ZIPF = 3.3
SHORT_PART_ZIPF = 5.5
#: ... and of a capitalised fused word, whose parts might be a name's ("Westbrook", "Northline"): both
#: common, the second very common ("Tuesdaywill").
NAME_PART_ZIPF = 4.5
NAME_TAIL_ZIPF = 5.5

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
# Two words glued across punctuation ("Tuesday,Taipei", "reporters.Friday"), not "U.S." or "example.com".
_GLUED = re.compile(r"[^\W\d_][,;:!?)\]][^\W\d_]|[^\W\d_]{2}\.[A-Z][a-z]")
_EDGES = "\"'()[]{}\u201c\u201d\u2018\u2019\u2014\u2013-.,;:!?*"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ADDRESS = re.compile(r"://|@|^www\.|^[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|co|uk|eu)(?:/|$)", re.I)


@dataclass(frozen=True, slots=True)
class Garble:
    """How garbled a paragraph is: the share of bad words (fused or unknown), of fused ones, and which."""

    share: float
    fused_share: float
    bad: tuple[str, ...]
    words: int

    @property
    def garbled(self) -> bool:
        """Mostly bad words, and enough of them fused: a paragraph in another language has unknown words,
        not words run together."""
        return self.share >= GARBLED_SHARE and self.fused_share >= FUSED_SHARE


#: A word's frequency on the Zipf scale in a language (0 for a word never seen).
Frequency = Callable[[str, str], float]


def _data_folder() -> Path | None:
    spec = importlib.util.find_spec("wordfreq")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0], "data") if locations else None


@functools.cache
def _frequencies(language: str, size: str) -> dict[str, float] | None:
    """wordfreq's ``size`` list for ``language`` as word -> Zipf frequency, read straight from its data.

    wordfreq's own API costs 0.2 s a process (it imports langcodes, ftfy and regex, then decodes the
    list); its list read directly costs 0.05 s. The file is a cBpack (wordfreq's documented format: a
    header, then one list of words per centibel of frequency); anything else goes through the API.
    """
    folder = _data_folder()
    path = folder / f"{size}_{language}.msgpack.gz" if folder is not None else None
    if path is None or not path.is_file():
        path = folder / f"small_{language}.msgpack.gz" if folder is not None else None
    if path is None or not path.is_file():
        return None
    import gzip

    import msgpack

    try:
        with gzip.open(path, "rb") as handle:
            data = msgpack.load(handle, raw=False)
    except (OSError, ValueError, msgpack.ExtraData) as exc:
        log.debug("wordfreq list %s unreadable (%s); using wordfreq's API", path, exc)
        return None
    if not data or data[0] != {"format": "cB", "version": 1}:
        return None
    return {word: (900 - centibels) / 100 for centibels, words in enumerate(data[1:]) for word in words}


@functools.cache
def has_word_list(language: str) -> bool:
    """Whether wordfreq has a list for ``language`` (a brief in another language is not judged)."""
    folder = _data_folder()
    return folder is not None and any((folder / f"{size}_{language}.msgpack.gz").is_file() for size in ("small", "large"))


def wordfreq_zipf(word: str, language: str, size: str | None = None) -> float:
    """wordfreq's Zipf frequency of ``word`` (lowercase) in ``language``; 0 for a word it never saw.

    The small list (every word of Zipf 3 or more: 29,000 in English, read in 7 ms) answers first; the
    large one (321,000, 0.1 s) is read only for a word the small one lacks, with the same values.
    ``size`` asks one list only ("small": a word it lacks is rarer than Zipf 3).
    """
    for name in (size,) if size else ("small", "large"):
        frequencies = _frequencies(language, name)
        if frequencies is None:  # not the format we read: wordfreq's API
            from wordfreq import zipf_frequency

            return float(zipf_frequency(word, language, wordlist=name))
        found = frequencies.get(word)
        if found is not None:
            return found
    return 0.0


def common_zipf(word: str, language: str) -> float:
    """:func:`wordfreq_zipf` from the small list only: exact from Zipf 3 up, 0 below (never reads the large list)."""
    return wordfreq_zipf(word, language, "small")


def _fused(word: str, language: str, part_zipf: float, zipf: Frequency, tail_zipf: float = 0.0) -> bool:
    """Whether ``word`` is two common words run together ("councilnew", "TheA")."""
    camel = _CAMEL.split(word)
    if len(camel) == 2:
        left, right = camel
        return zipf(left.lower(), language) >= part_zipf and zipf(right.lower(), language) >= part_zipf
    lower = word.lower()

    def common(part: str, at_least: float) -> bool:
        return zipf(part, language) >= (max(at_least, SHORT_PART_ZIPF) if len(part) <= 2 else at_least)

    return any(common(lower[:cut], part_zipf) and common(lower[cut:], max(part_zipf, tail_zipf))
               for cut in range(2, len(lower) - 1))


def _kind(word: str, language: str, zipf: Frequency, names_zipf: Frequency) -> str:
    """"word", "fused" (two common words run together) or "unknown". ``names_zipf`` answers for
    capitalised words and for the parts of a fused one: only common words matter there, and they are
    all in wordfreq's small list."""
    capitalised = word[:1].isupper()
    if (names_zipf if capitalised else zipf)(word.replace("\u2019", "'").lower(), language) >= KNOWN_ZIPF:
        return "word"
    if _CAMEL.search(word):
        return "fused" if _fused(word, language, PART_ZIPF, names_zipf) else "word"
    if capitalised:  # a name, unless it is two common words run together ("Tuesdaywill")
        return "fused" if len(word) > 2 and _fused(word, language, NAME_PART_ZIPF, names_zipf, NAME_TAIL_ZIPF) else "word"
    return "fused" if _fused(word, language, PART_ZIPF, names_zipf) else "unknown"


def garble(text: str, language: str = "en", zipf: Frequency | None = None) -> Garble:
    """Score ``text`` for fused and non-words (see the module doc); ``zipf`` is the word list
    (default: wordfreq's for ``language``). Words are what spaces separate; one is fused when it glues
    two words across punctuation or one of its letter runs is two words run together, unknown when one
    is not a word."""
    from ..languages import primary

    language = primary(language)
    tokens = [token.strip(_EDGES) for token in text.split()]
    tokens = [token for token in tokens if any(c.isalpha() for c in token) and not _ADDRESS.search(token)]
    if len(tokens) < MIN_WORDS or (zipf is None and not has_word_list(language)):
        return Garble(0.0, 0.0, (), len(tokens))
    frequency = zipf or wordfreq_zipf
    names = zipf or common_zipf
    fused, unknown = [], []
    for token in tokens:
        kinds = {_kind(w, language, frequency, names) for w in _WORD.findall(token)}
        if _GLUED.search(token) or "fused" in kinds:
            fused.append(token)
        elif "unknown" in kinds:
            unknown.append(token)
    bad = [t for t in tokens if t in fused or t in unknown]
    return Garble((len(fused) + len(unknown)) / len(tokens), len(fused) / len(tokens), tuple(bad), len(tokens))


def is_garbled(text: str, language: str = "en") -> bool:
    """Whether ``text`` is mostly fused and non-words (see :attr:`Garble.garbled`)."""
    return garble(text, language).garbled
