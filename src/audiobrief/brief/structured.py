"""The structured forms: JSON and YAML briefs, checked against ``schemas/brief.schema.json``."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from pathlib import Path
from typing import Any

from ..errors import BriefError
from ..models import Brief, Fact, Narrative, Source
from ..sanitize import clean_text, unsafe_characters, url_problem
from .helpers import _clean, slugify

log = logging.getLogger("audiobrief.brief")


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


def _cleaned(data: Any, where: str, notes: list[str]) -> Any:
    """``data`` with every string (keys too) stripped of lone surrogates and control characters, noting each field."""
    if isinstance(data, str):
        count = unsafe_characters(data)
        if not count:
            return data
        notes.append(f"{where or 'a field name'}: removed {count} control or invalid character(s)")
        return clean_text(data)
    if isinstance(data, dict):
        # A link is never repaired into another link: one with control characters is dropped whole (_source_url).
        return {_cleaned(key, "", notes) if isinstance(key, str) else key:
                value if key == "url" else _cleaned(value, f"{where}.{key}" if where else str(key), notes)
                for key, value in data.items()}
    if isinstance(data, list):
        return [_cleaned(value, f"{where}[{i}]", notes) for i, value in enumerate(data)]
    return data


#: An id names the episode's files and guid: no separators, no leading dot, nothing a file name cannot hold.
_ID = re.compile(r"[^./\\\s][^/\\\s]{0,99}")


def _source_url(raw: dict[str, Any], index: int, notes: list[str]) -> str | None:
    url = raw.get("url")
    if url is None:
        return None
    problem = url_problem(url)
    if problem is None:
        return str(url)
    notes.append(f"sources[{index}].url {url[:80]!r} {problem}; dropped the link (the source stays)")
    return None


def brief_from_mapping(data: Any, *, path: str | None = None, brief_id: str | None = None, language: str = "en") -> Brief:
    """Build a brief from the structured form (decoded JSON or YAML), checked against its JSON Schema.

    ``language`` is the brief's when it declares none. Text is cleaned of control characters and
    lone surrogates, and links that are not http(s) are dropped, each with a warning naming the field.

    :raises BriefError: naming the field that is missing or of the wrong type.
    """
    notes: list[str] = []
    data = _cleaned(data, "", notes)
    validate_brief_data(data, path=path)
    ident = data.get("id")
    if ident and not _ID.fullmatch(ident):
        raise BriefError(f"field 'id' is {ident[:80]!r}; an id names the episode's files, so give letters, digits, "
                         "'-', '_' or '.' (no '/', spaces or leading dot), at most 100 characters", path=path)
    title = _clean(data["title"])
    if not title:
        raise BriefError("field 'title' is empty; give the headline", path=path)
    sources = tuple(Source(number=raw["number"], outlet=_clean(raw["outlet"]), url=_source_url(raw, i, notes))
                    for i, raw in enumerate(data.get("sources") or []))
    facts = []
    for raw in data.get("facts") or []:
        if isinstance(raw, str):
            facts.append(Fact(_clean(raw), ()))
        else:
            facts.append(Fact(_clean(raw["text"]), tuple(raw.get("sources") or ())))
    narratives = [Narrative(label=_clean(raw["label"]), text=_clean(raw["text"]),
                            outlet=_clean(raw["outlet"]) or None if raw.get("outlet") else None)
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
    where = path or "<brief>"
    for note in notes:
        log.warning("%s: %s", where, note)
    return Brief(
        id=ident or brief_id or slugify(Path(path).stem if path else title),
        title=title,
        summary=_clean(data.get("summary") or ""),
        facts=tuple(facts),
        narratives=tuple(narratives),
        sources=tuple(sources),
        published=published,
        language=data.get("language") or language,
        path=path,
        warnings=tuple(f"{where}: {note}" for note in notes),
    )
