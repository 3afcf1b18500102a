"""Text normalization as data: what a newsreader says, from one table per language.

The tables (``tables/<language>.toml``) hold everything a linguist would edit: abbreviations and
where they may stand, currencies, units, symbols, scale words, and the ordered number patterns
with their spoken templates. This module is the small engine that runs them; num2words says the
numbers (cardinals, ordinals, years, decimals) in the table's language, and ftfy repairs mojibake.

Numbers that espeak-ng (and so Piper) already reads right stay digits ("350,000", "31.5"); only
what it reads wrong is rewritten (a currency sign before the amount, years, decades, fractions,
units, ranges, scores...). ``tests/test_newsreader.py`` checks each case and, through
``espeak-ng -x``, that the digits left in place are read as intended.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Normalizer", "available_languages", "normalizer_for"]

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+)(?:\((\w+)\))?)?\}")


@functools.cache
def available_languages() -> list[str]:
    """Languages with a table (``en``, ``es``, ...)."""
    folder = resources.files("audiobrief.normalize").joinpath("tables")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


@functools.cache
def normalizer_for(language: str) -> Normalizer | None:
    """The normalizer for ``language`` (``en-us`` uses ``en``); None when there is no table for it
    (another language's rules would read its numbers in that other language)."""
    from ..languages import primary

    base = primary(language)
    return Normalizer(base) if base in available_languages() else None


def _alternation(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    say: str
    keep_final_stop: bool


class Normalizer:
    """Runs one language's table. ``normalize(text)`` is pure and idempotent."""

    def __init__(self, language: str) -> None:
        source = resources.files("audiobrief.normalize").joinpath("tables", f"{language}.toml")
        table = tomllib.loads(source.read_text(encoding="utf-8"))
        self.language = language
        self.table = table
        self.num2words_lang: str = table.get("num2words", language)
        words: dict[str, str] = table.get("words", {})
        self.words = words
        self.titles: dict[str, str] = table.get("abbreviations", {}).get("before_name", {})
        self.anywhere: dict[str, str] = table.get("abbreviations", {}).get("anywhere", {})
        self.initialisms: dict[str, str] = table.get("abbreviations", {}).get("initialisms", {})
        self.acronyms: dict[str, str] = table.get("acronyms", {})
        self.currencies: dict[str, dict[str, str]] = table.get("currencies", {})
        self.units: dict[str, dict[str, str]] = table.get("units", {})
        self.scales: dict[str, str] = table.get("scales", {})
        self.symbols: dict[str, str] = table.get("symbols", {})
        self.months: list[str] = table.get("months", [])
        self.fractions: dict[str, str] = table.get("fractions", {})
        self.phrases: dict[str, str] = table.get("phrases", {})
        self.say_as: dict[str, str] = table.get("say_as", {})
        self._say_as_pattern = self._word_pattern(self.say_as)
        self.continuing: frozenset[str] = frozenset(table.get("continuing", []))
        macros = {
            "currency": _alternation(self.currencies),
            "scale": _alternation(self.scales),
            "unit": _alternation(self.units),
            "month": _alternation(self.months),
            "title": _alternation(self.titles),
            **{k: v for k, v in table.get("macros", {}).items()},
        }
        self.rules = tuple(
            _Rule(rule["name"], re.compile(self._expand_macros(rule["match"], macros), re.I if rule.get("ignore_case") else 0),
                  rule["say"], bool(rule.get("keep_final_stop")))
            for rule in table.get("rule", []))
        self._abbreviation_pattern = self._word_pattern({**self.titles, **self.anywhere, **self.initialisms})

    @staticmethod
    def _expand_macros(pattern: str, macros: Mapping[str, str]) -> str:
        # {{name}} in a table's regex is the alternation of that table's keys (longest first)
        return re.sub(r"\{\{(\w+)\}\}", lambda m: f"(?:{macros[m.group(1)]})", pattern)

    @staticmethod
    def _word_pattern(table: Mapping[str, str]) -> re.Pattern[str] | None:
        if not table:
            return None
        return re.compile(r"(?<![\w.])(" + _alternation(table) + r")(?![\w])")

    # --- numbers, through num2words ---------------------------------------------------------------

    def number(self, value: str, to: str = "cardinal") -> str:
        """``value`` (digits, maybe with thousands commas or a decimal point) in words."""
        from num2words import num2words

        digits = value.replace(",", "").replace("\u202f", "")
        number: int | float = float(digits) if "." in digits else int(digits)
        words = str(num2words(number, lang=self.num2words_lang, to=to))
        return words.replace(",", "")

    def year(self, value: str) -> str:
        """A year as a newsreader says it ("nineteen ninety-four", "twenty twenty-four", "two thousand five")."""
        from num2words import num2words

        spoken = str(num2words(int(value), lang=self.num2words_lang, to="year"))
        for drop in self.table.get("year_drop", []):
            spoken = spoken.replace(drop, " ")
        return re.sub(r"\s+", " ", spoken).strip()

    def decade(self, value: str) -> str:
        """"1990" of "1990s" as "nineteen nineties"."""
        return self._plural(self.year(value))

    def _plural(self, spoken: str) -> str:
        for ending, plural in self.table.get("decade_plural", {}).items():
            if spoken.endswith(ending):
                return spoken[: -len(ending)] + str(plural)
        return spoken

    def _convert(self, kind: str | None, value: str, arg: str | None, groups: Mapping[str, str | None]) -> str:
        if kind is None or kind == "raw":
            return value
        if kind == "cardinal":
            return self.number(value)
        if kind == "ordinal":
            return self.number(value, "ordinal")
        if kind == "year":
            return self.year(value)
        if kind == "decade":
            return self.decade(value)
        if kind == "nodigits":
            return value.replace(",", "")
        if kind == "word":
            return self.words[value]
        if kind in ("one", "many", "name"):
            entry = self.currencies.get(value) or self.units.get(value) or self.units.get(value.lower())
            if entry is None:
                return value
            if kind == "name":  # singular after exactly 1, plural otherwise
                amount = (groups.get(arg or "") or "").replace(",", "")
                scaled = groups.get("scale") or groups.get("wscale")
                kind = "one" if amount in ("1", "1.0") and not scaled else "many"
            return entry.get(kind, entry.get("many", value))
        if kind == "scale":
            return self.scales.get(value, value)
        if kind == "fraction":
            numerator, denominator = value.split("/")
            key = f"{numerator}/{denominator}"
            if key in self.fractions:
                return self.fractions[key]
            ordinal = self.number(denominator, "ordinal")
            return f"{self.number(numerator)} {ordinal}{'s' if numerator != '1' and self.language == 'en' else ''}"
        if kind == "vulgar":
            return self.fractions.get(value, value)
        if kind == "digits":
            return " ".join(self.number(d) for d in value)
        if kind == "spell":
            return " ".join(value)
        if kind == "upper":
            return value.upper()
        if kind == "month":
            return self.months[int(value) - 1]
        if kind == "plural":
            return self.decade(value) if len(value) == 4 else self._plural(self.number(value))
        if kind == "colon":
            return "" if value == "00" else f":{value}"
        if kind == "ordinal_num":
            return self.number(value, "ordinal_num")
        if kind == "words":
            return re.sub(r"(?<=[a-z])(?=[A-Z])|_+", " ", value).strip()
        if kind == "cents":
            return self.currencies.get(value, {}).get("cents", "")
        if kind == "twodigit_year":
            century = groups.get(arg or "") or ""
            return self.year(century[:2] + value) if len(value) == 2 else value
        raise ValueError(f"unknown conversion {kind!r} in the {self.language} table")

    def _apply(self, rule: _Rule) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            groups = match.groupdict()

            def fill(p: re.Match[str]) -> str:
                name, kind, arg = p.group(1), p.group(2), p.group(3)
                if name in self.words and name not in groups:
                    return self.words[name]
                value = groups.get(name)
                if value is None:
                    return ""
                return self._convert(kind, value, arg, groups)

            spoken = _PLACEHOLDER.sub(fill, rule.say)
            spoken = re.sub(r" {2,}", " ", spoken).strip()
            rest = match.string[match.end():]
            if (rule.keep_final_stop and match.group(0).endswith(".") and re.match(r"\s*$|\s+[A-Z]", rest)
                    and not self._continues(rest)):
                spoken += "."
            whole = match.group(0)
            # keep the match's own spacing; a template that starts or ends with a space adds one
            lead = " " if rule.say.startswith(" ") else whole[: len(whole) - len(whole.lstrip())]
            trail = " " if rule.say.endswith(" ") else (whole[len(whole.rstrip()):] if whole.strip() else "")
            return lead + spoken + trail

        return replace

    def _continues(self, rest: str) -> bool:
        """Whether the capitalised word after an abbreviation continues the sentence ("9 a.m. Monday")."""
        word = re.match(r"\s+([A-Z][\w]*)", rest)
        return bool(word) and word.group(1) in self.continuing  # type: ignore[union-attr]

    # --- the stages ---------------------------------------------------------------------------------

    def abbreviations(self, text: str) -> str:
        """Expand abbreviations: titles before a name never end a sentence; others may (their dot is the stop)."""
        if self._abbreviation_pattern is None:
            return text
        table = {**self.titles, **self.anywhere, **self.initialisms}

        def replace(match: re.Match[str]) -> str:
            word = match.group(1)
            spoken = table[word]
            rest = text[match.end():]
            if word in self.titles:
                return spoken
            # "on Mon. and Sun." : the abbreviation's dot is also the sentence's full stop.
            # ... but an initialism before a capitalised name ("the U.S. Army") does not end a sentence.
            if (word.endswith(".") and not spoken.endswith(".") and re.match(r"\s*$|\s+[A-Z]", rest)
                    and not (word in self.initialisms and re.match(r"\s+[A-Z][a-z]", rest))):
                spoken += "."
            return spoken

        return self._abbreviation_pattern.sub(replace, text)

    def numbers(self, text: str) -> str:
        """Run the table's fixed phrases, then its number and symbol patterns, in order."""
        for phrase, spoken in self.phrases.items():
            if phrase in text:
                text = re.sub(r"(?<![\w/])" + re.escape(phrase) + r"(?![\w/])", spoken, text)
        for rule in self.rules:
            text = rule.pattern.sub(self._apply(rule), text)
        return text

    def respelled(self, text: str) -> str:
        """``text`` with the names of ``[say_as]`` respelled, as the engine should read them (never shown)."""
        pattern = self._say_as_pattern
        return pattern.sub(lambda m: self.say_as[m.group(1)], text) if pattern else text

    def acronyms_as_words(self, text: str, extra: Mapping[str, str] | None = None) -> str:
        """Acronyms said as words (NATO -> Nato) and the producer's pronunciations."""
        table = {**self.acronyms, **(extra or {})}
        pattern = self._word_pattern(table)
        return pattern.sub(lambda m: table[m.group(1)], text) if pattern else text
