"""Which files are briefs, and the key of a build's inputs (cheap: no parsing, no rendering).

Kept apart from :mod:`audiobrief.brief`, whose parsing tables take a while to compile, so that an
unchanged rebuild can recognize its inputs without loading them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import BriefError

__all__ = ["BRIEF_SUFFIXES", "brief_paths", "inputs_key"]

BRIEF_SUFFIXES = (".json", ".yaml", ".yml", ".txt", ".text", ".md", ".markdown")


def brief_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the brief files they hold (by suffix, sorted); files pass through.

    :raises BriefError: a folder holds no brief files.
    """
    result: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in BRIEF_SUFFIXES)
            if not found:
                raise BriefError(f"folder has no briefs ({', '.join(sorted(BRIEF_SUFFIXES))})", path=str(item))
            result += found
        else:
            result.append(item)
    return result


def inputs_key(files: Sequence[Path], templates_dir: str | Path | None, context: str) -> str | None:
    """SHA-256 of the brief files (names and bytes), the template folder's files and ``context``.

    ``context`` carries everything else that shapes an episode (settings, engine fingerprints,
    date override, version). Returns None when a file cannot be read: the caller then takes the
    full path, which reports the problem properly.
    """
    digest = hashlib.sha256(context.encode())
    extra = sorted(Path(templates_dir).glob("*.j2")) if templates_dir is not None and Path(templates_dir).is_dir() else []
    try:
        for path in [*files, *extra]:
            digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()
