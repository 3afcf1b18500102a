"""Languages as data: one folder per language of script templates and the words around them.

A language's folder (``templates/script/<code>/`` in the package, or ``<code>/`` in a producer's
``--templates`` folder) holds the spoken script's ``*.txt.j2`` files and ``language.toml``: the
chapter titles, show-notes headings, transcript speaker names and show-page words, and the ISO
639-2 code of the ID3 language tag. Dates, lists and counts come from Babel and num2words, so a
language needs no code, only its folder (and, for newsreader-grade numbers, a normalization table
in :mod:`audiobrief.normalize`).
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import TemplateError

__all__ = ["Words", "folder_names", "format_list", "primary", "shipped_languages", "site_words", "spoken_count",
           "spoken_date", "words_for"]


def primary(language: str) -> str:
    """The primary subtag: ``es-MX`` -> ``es``, ``en_US`` -> ``en``.

    >>> primary("es-MX"), primary("en_US"), primary("pt")
    ('es', 'en', 'pt')
    """
    return language.lower().replace("_", "-").split("-")[0]


def folder_names(language: str) -> tuple[str, ...]:
    """Folders to look in for ``language``, most specific first: ``pt-br`` then ``pt``."""
    full = language.lower().replace("_", "-")
    return tuple(dict.fromkeys((full, primary(language))))


@functools.cache
def shipped_languages() -> tuple[str, ...]:
    """The languages audiobrief ships templates for."""
    root = resources.files("audiobrief").joinpath("templates", "script")
    return tuple(sorted(p.name for p in root.iterdir() if p.joinpath("language.toml").is_file()))


@dataclass(frozen=True, slots=True)
class Chapters:
    """Chapter titles the script gives (the others are the brief's own headline and labels)."""

    facts: str
    outro: str


@dataclass(frozen=True, slots=True)
class Notes:
    """Show-notes headings and sentences."""

    facts: str
    narratives: str
    sources: str
    chapters: str
    provided_by: str
    credit: str
    digest_credit: str
    digest_summary: str


@dataclass(frozen=True, slots=True)
class Speakers:
    """Transcript speaker names, per role."""

    host: str
    narrative: str


@dataclass(frozen=True, slots=True)
class Site:
    """The show page's words."""

    subscribe: str
    feed: str
    chapters: str
    show_notes: str
    transcript: str
    no_episodes: str


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Saying it is an AI voice where people read: the transcript's header and the show page (``line``),
    after the channel's description (``channel``), and the host's ``podcast:person`` (``person``,
    with ``{voice}`` for the voice's name)."""

    line: str
    channel: str
    person: str


@dataclass(frozen=True, slots=True)
class Words:
    """Everything written around a brief in one language (``language.toml``)."""

    language: str
    iso639_2: str
    chapters: Chapters
    notes: Notes
    speakers: Speakers
    site: Site
    disclosure: Disclosure
    source: str = ""
    """Where these words were read from (for error messages)."""

    def speaker(self, role: str) -> str:
        """The transcript name of ``role`` (``host``, ``narrative``)."""
        return str(getattr(self.speakers, role, role.title()))


def _table(cls: type, data: Any, where: str, source: str) -> Any:
    if not isinstance(data, dict):
        raise TemplateError(f"{source}: [{where}] must be a table")
    values = {}
    for f in fields(cls):
        value = data.get(f.name)
        if not isinstance(value, str) or not value.strip():
            raise TemplateError(f"{source}: [{where}] {f.name} is missing or empty; copy it from the en folder and "
                                "translate it")
        values[f.name] = value
    return cls(**values)


def _parse(text: str, language: str, source: str, fallback: Words | None = None) -> Words:
    """The words of a ``language.toml``; a table added to audiobrief after the file was copied
    (``[disclosure]``) is taken from ``fallback``, the shipped words of the language (else English)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: not valid TOML: {exc}") from exc
    code = data.get("iso639_2")
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha():
        raise TemplateError(f"{source}: iso639_2 must be a three-letter ISO 639-2 code such as \"eng\" or \"spa\"")
    if "disclosure" in data or fallback is None:
        disclosure = _table(Disclosure, data.get("disclosure", {}), "disclosure", source)
        if "{voice}" not in disclosure.person:
            raise TemplateError(f"{source}: [disclosure] person must hold {{voice}}, where the voice's name goes")
    else:
        disclosure = fallback.disclosure
    return Words(language, code.lower(), _table(Chapters, data.get("chapters", {}), "chapters", source),
                 _table(Notes, data.get("notes", {}), "notes", source),
                 _table(Speakers, data.get("speakers", {}), "speakers", source),
                 _table(Site, data.get("site", {}), "site", source), disclosure, source)


@functools.cache
def _shipped_words(name: str) -> Words:
    text = resources.files("audiobrief").joinpath("templates", "script", name, "language.toml").read_text("utf-8")
    return _parse(text, name, f"audiobrief's {name}/language.toml")


def words_for(language: str, templates_dir: str | Path | None = None) -> Words:
    """The words of ``language``: the producer's ``<templates_dir>/<code>/language.toml`` first, then ours.

    The producer's file is read on every call (it is small), so ``watch`` sees it edited.

    :raises TemplateError: no folder has the language, or its ``language.toml`` is incomplete.
    """
    for name in folder_names(language):
        if templates_dir is not None:
            path = Path(templates_dir, name, "language.toml")
            if path.is_file():
                fallback = _shipped_words(name) if name in shipped_languages() else _shipped_words("en")
                return _parse(path.read_text(encoding="utf-8"), language, str(path), fallback)
        if name in shipped_languages():
            return _shipped_words(name)
    code = primary(language)
    raise TemplateError(
        f"no templates for the language {language!r} (audiobrief ships {', '.join(shipped_languages())}); run "
        f"`audiobrief init --language {code}` in the show's folder: it adds templates/{code}/ (the English templates, "
        "to translate) and keeps every file you have (README: \"Adding a language\")")


def site_words(show: Any, templates_dir: str | Path | None = None) -> Words:
    """The show page's words: the show's language (the producer's ``language.toml`` first), else English."""
    try:
        return words_for(show.language, templates_dir)
    except TemplateError:
        return words_for("en")  # a show whose own language has no templates yet still gets a page


def _babel_locale(language: str) -> str:
    from babel import Locale, UnknownLocaleError

    for candidate in (language.replace("-", "_"), primary(language)):
        try:
            Locale.parse(candidate)
            return candidate
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


def spoken_date(day: dt.date, language: str = "en") -> str:
    """A date as a newsreader of ``language`` says it (Babel's full date format).

    >>> spoken_date(dt.date(2023, 9, 13)), spoken_date(dt.date(2023, 9, 13), "es")
    ('Wednesday, September 13, 2023', 'miércoles, 13 de septiembre de 2023')
    """
    from babel.dates import format_date

    return str(format_date(day, format="full", locale=_babel_locale(language)))


def format_list(items: Sequence[str], language: str = "en") -> str:
    """``a, b and c`` in ``language`` (Babel's list patterns; no serial comma in English news style).

    >>> format_list(["TASS", "Reuters", "AP"]), format_list(["TASS", "Reuters", "AP"], "es")
    ('TASS, Reuters and AP', 'TASS, Reuters y AP')
    """
    from babel.lists import format_list as babel_list

    items = list(items)
    if primary(language) == "en" and len(items) > 2:
        return ", ".join(items[:-1]) + " and " + items[-1]  # AP style: broadcast copy drops the Oxford comma
    return str(babel_list(items, locale=_babel_locale(language))) if items else ""


def spoken_count(number: int, language: str = "en") -> str:
    """A count in words (``3`` -> ``three``, ``tres``) with num2words; digits when it has no such language.

    >>> spoken_count(3), spoken_count(3, "es"), spoken_count(12, "xx")
    ('three', 'tres', '12')
    """
    from num2words import num2words

    try:
        return str(num2words(number, lang=primary(language)))
    except NotImplementedError:
        return str(number)
