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


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(numeral: str) -> int:
    """The value of a Roman numeral.

    >>> roman_value("VIII"), roman_value("XIV"), roman_value("LIX")
    (8, 14, 59)
    """
    values = [_ROMAN[c] for c in numeral.upper()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


# Capitals that espeak-ng reads as a Roman number ("IV", "XI", "VII"): two or more of I, V, X, L.
_ROMAN_LETTERS = re.compile(r"(?<![\w-])(?=[IVXL]{2,}\b)(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})(?![\w'\u2019-])")


# A capital A inside a sentence, not before a capitalised word (title case: "Approves A New Budget"),
# is the letter ("Plan A", "Q and A session"); both engines read it as the article "uh".
_LONE_A = re.compile(r"(?<=[\w,;:] )A(?=[.,;:!?)]|\s+[a-z0-9]|\s*$)")


def _title(words: str) -> str:
    """"fifty-nine" -> "Fifty-Nine": a number that is part of a name ("Super Bowl Fifty-Nine")."""
    return re.sub(r"[a-z]+", lambda m: m.group(0).capitalize(), words)


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
        self.companies: dict[str, str] = table.get("abbreviations", {}).get("company", {})
        self.sentence_starters: frozenset[str] = frozenset(table.get("sentence_starters", []))
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
        letters = table.get("say_as_letters", {})
        self.letter_names: dict[str, str] = letters.get("names", {})
        self.lone_a: str | None = letters.get("lone_a")
        self._letter_pattern = re.compile(
            rf"\b({_alternation(letters.get('after', []))}) ([{''.join(self.letter_names)}])(?![\w'\u2019-]|\.\w)"
        ) if self.letter_names else None
        self.continuing: frozenset[str] = frozenset(table.get("continuing", []))
        self.round_plurals: dict[str, str] = table.get("round_plurals", {})
        self.web: dict[str, Any] = table.get("web", {})
        macros = {
            **{name: _alternation(words) for name, words in table.get("lists", {}).items()},
            "currency": _alternation(self.currencies),
            "currency_code": _alternation(c for c in self.currencies if re.fullmatch(r"[A-Z]{3}", c)),
            "scale": _alternation(self.scales),
            "unit": _alternation(u for u, entry in self.units.items() if not entry.get("only_in_rules")),
            "month": _alternation(self.months),
            "title": _alternation(self.titles),
            **{k: v for k, v in table.get("macros", {}).items()},
        }
        self.rules = tuple(
            _Rule(rule["name"], re.compile(self._expand_macros(rule["match"], macros), re.I if rule.get("ignore_case") else 0),
                  rule["say"], bool(rule.get("keep_final_stop")))
            for rule in table.get("rule", []))
        self._abbreviation_pattern = self._word_pattern({**self.titles, **self.anywhere, **self.initialisms,
                                                         **self.companies})
        self._address_pattern = self._addresses_pattern()

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
            return "-".join(value)  # "A-T": both engines read "A T" as an article and a letter
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
        if kind == "roman":
            return _title(self.number(str(roman_value(value))))
        if kind == "roman_ordinal":
            return _title(self.number(str(roman_value(value)), "ordinal"))
        if kind == "model":
            spoken = self.model_number(value)
            if not groups.get("s"):
                return spoken
            return re.sub(r"(?:(?<=t)y|(?<=x))$", lambda m: "ie" if m.group(0) == "y" else "e", spoken) + "s"
        if kind == "round_plural":
            return self.round_plurals.get(value, value)
        if kind == "cents":
            return self.currencies.get(value, {}).get("cents", "")
        if kind == "twodigit_year":
            century = groups.get(arg or "") or ""
            return self.year(century[:2] + value) if len(value) == 2 else value
        raise ValueError(f"unknown conversion {kind!r} in the {self.language} table")

    def model_number(self, digits: str) -> str:
        """A model or route number as people say it: 747 "seven forty-seven", 130 "one thirty",
        400 "four hundred", 707 "seven oh seven", 29 "twenty-nine"."""
        if len(digits) == 3 and digits[1:] != "00":
            tail = digits[1:]
            rest = f"{self.words.get('oh', 'oh')} {self.number(tail[1])}" if tail[0] == "0" else self.number(tail)
            return f"{self.number(digits[0])} {rest}"
        if len(digits) == 4:
            return self.year(digits)
        return self.number(digits)

    def _apply(self, rule: _Rule) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            groups = match.groupdict()

            def fill(p: re.Match[str]) -> str:
                name, kind, arg = p.group(1), p.group(2), p.group(3)
                if name in self.words and name not in groups:
                    return self.words[name]
                value = groups.get(name)
                if value is None and name not in rule.pattern.groupindex and kind in ("one", "many", "name", "scale"):
                    value = name  # a literal key: {m:one} is the unit "m" in the singular
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
        table = {**self.titles, **self.anywhere, **self.initialisms, **self.companies}

        def replace(match: re.Match[str]) -> str:
            word = match.group(1)
            spoken = table[word]
            rest = text[match.end():]
            if word in self.titles:
                return spoken
            if word in self.companies:
                # "Sony Corp. Chief Executive ..." goes on; "... Acme Corp. The deal ..." ends a sentence
                starter = re.match(r"\s+([A-Z]\w*)", rest)
                ends = not rest.strip() or (starter is not None and starter.group(1) in self.sentence_starters)
                return spoken + "." if ends and word.endswith(".") else spoken
            # "on Mon. and Sun." : the abbreviation's dot is also the sentence's full stop.
            # ... but an initialism before a capitalised name ("the U.S. Army") does not end a sentence.
            following = re.match(r"\s+([A-Z][a-z]\w*)", rest)
            names_next = following is not None and following.group(1) not in self.sentence_starters
            if (word.endswith(".") and not spoken.endswith(".") and re.match(r"\s*$|\s+[A-Z]", rest)
                    and not (word in self.initialisms and names_next)):
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

    # --- addresses ----------------------------------------------------------------------------------

    def _addresses_pattern(self) -> re.Pattern[str] | None:
        if not self.web:
            return None
        tlds = _alternation(self.web.get("tlds", []))
        label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        host = rf"(?:{label}\.)+{label}"
        path = r"(?P<path>/[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?"
        return re.compile(
            rf"(?P<email>(?<![\w.+-])[\w.+-]+@(?P<mailhost>{host}))(?![\w@])"
            rf"|(?:https?://(?P<host>{label}(?:\.{label})*)|(?<![\w@./-])(?=www\.)(?P<www>{host}))(?::\d+)?{path}"
            rf"|(?<![\w@./-])(?P<bare>(?:{label}\.)+(?:{tlds}))(?![\w@-]|\.[A-Za-z0-9])(?P<barepath>/[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?")

    def _host(self, host: str) -> str:
        labels: dict[str, str] = self.web.get("labels", {})
        words = []
        for part in host.lower().split("."):
            spoken = labels.get(part)
            if spoken is None:
                if self.web.get("spell_codes", True) and (
                        (len(part) == 2 and part.isalpha()) or (len(part) <= 4 and not re.search(r"[aeiouy]", part))):
                    spoken = part.upper()  # a country code, or letters said one by one: "uk", "bbc"
                else:
                    spoken = part.replace("-", " ")
            if spoken:
                words.append(spoken)
        return f" {self.web.get('dot', 'dot')} ".join(words)

    def _path(self, path: str | None) -> str:
        """A short path of words is said ("/news"); a long one, or one with a query, is not."""
        segments = [s for s in (path or "").split("/") if s]
        if not segments or len(segments) > 2 or not all(re.fullmatch(r"[A-Za-z][A-Za-z-]{0,24}", s) for s in segments):
            return ""
        slash = self.web.get("slash", "slash")
        return "".join(f" {slash} {s.replace('-', ' ')}" for s in segments)

    def addresses(self, text: str) -> str:
        """Web addresses and emails said as a listener would say them: "www.example.org" -> "example dot
        org", "bbc.co.uk/news" -> "BBC dot co dot UK slash news", "tips@example.com" -> "tips at example dot com".
        A long path or a query is left out; the rest of the sentence always stays."""
        pattern = self._address_pattern
        if pattern is None:
            return text

        def say(match: re.Match[str]) -> str:
            if match.group("email"):
                user = match.group("email").split("@", 1)[0]
                user = user.replace(".", f" {self.web.get('dot', 'dot')} ").replace("_", " ")
                return f"{user} {self.web.get('at', 'at')} {self._host(match.group('mailhost'))}"
            if match.group("host") or match.group("www"):
                return self._host(match.group("host") or match.group("www")) + self._path(match.group("path"))
            return self._host(match.group("bare")) + self._path(match.group("barepath"))

        return pattern.sub(say, text)

    def respelled(self, text: str) -> str:
        """``text`` as the engine should read it (never shown): the names of ``[say_as]`` respelled, a
        lone capital that is a letter given its name ("Type C" -> "Type see"), and a run of Roman-number
        capitals left standing spelled ("an IV drip" -> "an I-V drip")."""
        pattern = self._say_as_pattern
        if pattern:
            text = pattern.sub(lambda m: self.say_as[m.group(1)], text)
        if self._letter_pattern is not None:
            text = self._letter_pattern.sub(lambda m: f"{m.group(1)} {self.letter_names[m.group(2)]}", text)
            text = _ROMAN_LETTERS.sub(lambda m: "-".join(m.group(0)), text)
        if self.lone_a:
            text = _LONE_A.sub(self.lone_a, text)
        return text

    def acronyms_as_words(self, text: str, extra: Mapping[str, str] | None = None) -> str:
        """Acronyms said as words (NATO -> Nato) and the producer's pronunciations."""
        table = {**self.acronyms, **(extra or {})}
        pattern = self._word_pattern(table)
        return pattern.sub(lambda m: table[m.group(1)], text) if pattern else text
