"""The scored line classifier: is a line of a text brief page chrome or the brief?

Each line gets features (known chrome phrases of its language, a score or a count, a date line,
community words, a bare handle, few words, words not in the language's word list, its share of
digits, a bullet, a sentence, a citation or an outlet); its chrome score is the sum of their weights
from ``reading.toml``. The text parser (:mod:`audiobrief.brief.text`) drops a line that scores
``chrome_at`` or more, and keeps every decision with its reasons for ``audiobrief script --explain``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .tables import _BULLET, _CITATION, FACT_OUTLET_SUFFIX, RATING

__all__ = ["LineScore", "Reading", "reading"]

_WORDS = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_SCORE_OR_COUNT = re.compile(
    r"^[#*\s]*\d[\d,.]*\s*[km]?\s+(?:points?|votes?|upvotes?|readers|members|subscribers|users|comments?|online|views|"
    r"likes|followers|puntos|lectores|miembros|suscriptores|usuarios|comentarios)\b|\(\d+(?:\.\d+)?%\s+\w+\)", re.I)
_DATE_LINE = re.compile(
    r"\b(?:submitted|posted|published|founded|created|joined|edited|updated|publicado|fundad[ao]|creado)\b.{0,40}"
    r"\b(?:ago|on|at|hace|el)\b|^\W*(?:\w+,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+\w+\.?,?\s+\d{4}\b.{0,12}$|"
    r"^\W*\w+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b.{0,12}$|^\W*\d{4}-\d{2}-\d{2}\b.{0,12}$", re.I)
_HANDLE = re.compile(r"(?:[ru]/)?[a-z0-9_.-]{2,40}|[ru]/[A-Za-z0-9_.-]{2,40}")  # quillfeather, r/worldnews
_SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)]*$")


@dataclass(frozen=True, slots=True)
class LineScore:
    """Why a line is or is not page chrome: its chrome score and the features that made it."""

    score: float
    reasons: tuple[tuple[str, float], ...]

    def explain(self) -> str:
        """"+3.0 known chrome, -0.7 bullet" (or "no chrome feature")."""
        return ", ".join(f"{weight:+.1f} {name.replace('_', ' ')}" for name, weight in self.reasons) or "no feature"


class Reading:
    """The weights and the chrome phrases of ``reading.toml``, compiled once."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.chrome_at = float(table["chrome_at"])
        self.sidebar_ends_below = float(table["sidebar_ends_below"])
        self.weights: dict[str, float] = {k: float(v) for k, v in table["weights"].items()}
        self._lines: dict[str, tuple[re.Pattern[str], ...]] = {}
        self._words: dict[str, re.Pattern[str] | None] = {}
        for language, entry in table["chrome"].items():
            self._lines[language] = tuple(re.compile(p, re.I) for p in entry.get("lines", []))
            words = sorted(entry.get("words", []), key=len, reverse=True)
            self._words[language] = (re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)
                                     if words else None)

    def chrome_lines(self, language: str) -> tuple[re.Pattern[str], ...]:
        return self._lines.get("any", ()) + self._lines.get(language, ())

    def known_chrome(self, line: str, language: str) -> bool:
        """Whether ``line`` is a whole line of known chrome in ``language`` (or in every language)."""
        return any(p.fullmatch(line) for p in self.chrome_lines(language))

    def score(self, line: str, *, key: str, language: str, in_chrome_section: bool, word_list: bool = True) -> LineScore:
        """Score one line (``key``: the line without Markdown marks and a trailing colon)."""
        w = self.weights
        reasons: list[tuple[str, float]] = []
        words = _WORDS.findall(key)
        if self.known_chrome(key, language):
            reasons.append(("known_chrome", w["known_chrome"]))
        if _SCORE_OR_COUNT.search(key):
            reasons.append(("score_or_count", w["score_or_count"]))
        if len(words) <= 12 and _DATE_LINE.search(key):
            reasons.append(("date_line", w["date_line"]))
        if len(words) <= 25:
            found = [p.findall(key) for p in (self._words.get("any"), self._words.get(language)) if p is not None]
            hits = min(3, sum(len(f) for f in found))
            if hits:
                reasons.append(("community_word", round(hits * w["community_word"], 2)))
        if " " not in key and _HANDLE.fullmatch(key) and not key.isdigit():
            reasons.append(("handle", w["handle"]))
        bullet = _BULLET.match(line) is not None
        if len(words) <= 2 and not bullet:
            reasons.append(("few_words", w["few_words"]))
        if word_list and 0 < len(words) <= 3 and not any(_known(word, language) for word in words):
            reasons.append(("not_words", w["not_words"]))
        alnum = [c for c in key if c.isalnum()]
        if alnum:
            share = sum(c.isdigit() for c in alnum) / len(alnum)
            if share >= 0.05:
                reasons.append(("digits", round(share * w["digits"], 2)))
        if in_chrome_section:
            reasons.append(("in_chrome_section", w["in_chrome_section"]))
        if bullet:
            reasons.append(("bullet", w["bullet"]))
        if len(words) >= 8 and _SENTENCE_END.search(key.rstrip()):
            reasons.append(("sentence", w["sentence"]))
        if _CITATION.search(key) or FACT_OUTLET_SUFFIX.search(key) or RATING.search(key):
            reasons.append(("sourced", w["sourced"]))
        return LineScore(round(sum(weight for _, weight in reasons), 2), tuple(reasons))


def _known(word: str, language: str) -> bool:
    from ..languages import primary
    from .garble import common_zipf, has_word_list

    base = primary(language)
    if not has_word_list(base):
        return True  # no list: every word is a word
    return common_zipf(word.lower(), base) >= 3.0


@functools.cache
def reading() -> Reading:
    """The classifier of ``reading.toml``."""
    source = resources.files("audiobrief.brief").joinpath("reading.toml")
    return Reading(tomllib.loads(source.read_text(encoding="utf-8")))
