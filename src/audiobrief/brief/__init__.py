"""Stage 1: read a brief file into a :class:`~audiobrief.models.Brief`.

Parsers are chosen from :data:`PARSERS` by file suffix. The plain-text parser is lenient and
table-driven: section headings, page chrome and narrative label shapes are entries in the tables
below, so a new rendering of a brief is usually a new table row, not new code. A malformed item is
skipped with a warning that names its line; :class:`~audiobrief.errors.BriefError` is raised only
when nothing usable remains or the file is not text.

The package: ``tables`` (headings, chrome, label shapes), ``helpers``, ``text`` (the plain-text
parser), ``structured`` (JSON and YAML) and, here, the entry point :func:`load_brief`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BriefError
from ..models import Brief
from .helpers import slugify, strip_citation, tidy_outlet
from .structured import brief_from_mapping, parse_json_brief, parse_yaml_brief, validate_brief_data
from .text import classify_lines, dropped_lines, explain_lines, parse_text_brief

if TYPE_CHECKING:
    from ..config import Limits

__all__ = [
    "PARSERS",
    "brief_from_mapping",
    "brief_paths",
    "classify_lines",
    "dropped_lines",
    "explain_lines",
    "load_brief",
    "parse_json_brief",
    "parse_text_brief",
    "parse_yaml_brief",
    "slugify",
    "strip_citation",
    "tidy_outlet",
    "validate_brief_data",
]

log = logging.getLogger(__name__)

# --- entry point --------------------------------------------------------------------------------------

Parser = Callable[..., Brief]

#: File suffix -> parser. Anything else is read as plain text.
from ..inputs import brief_paths  # noqa: E402  (re-exported: it used to live here)

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
    from ..config import Limits

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
