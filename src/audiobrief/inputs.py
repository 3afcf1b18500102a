"""Which files are briefs, and the key of a build's inputs (cheap: no parsing, no rendering).

Kept apart from :mod:`audiobrief.brief`, whose parsing tables take a while to compile, so that an
unchanged rebuild can recognize its inputs without loading them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import BriefError

__all__ = ["BRIEF_SUFFIXES", "brief_paths", "inputs_key", "template_files"]

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


def template_files(templates_dir: str | Path | None) -> list[Path]:
    """Every file under the producer's templates folder, at any depth, in a stable order.

    A build may read any of them (``<language>/*.txt.j2``, ``<language>/language.toml``, files
    for every language at the top, and whatever a template includes or extends), so all count.
    """
    if templates_dir is None or not Path(templates_dir).is_dir():
        return []
    return sorted(p for p in Path(templates_dir).rglob("*") if p.is_file())


def inputs_key(files: Sequence[Path], templates_dir: str | Path | None, context: str) -> str | None:
    """SHA-256 of the brief files (names and bytes), the whole templates tree and ``context``.

    ``context`` carries everything else that shapes an episode (settings, engine fingerprints,
    date override, version). Returns None when a file cannot be read: the caller then takes the
    full path, which reports the problem properly.
    """
    digest = hashlib.sha256(context.encode())
    try:
        for path in files:
            digest.update(b"\0brief\0" + path.name.encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes())
        root = Path(templates_dir) if templates_dir is not None else None
        for path in template_files(templates_dir):
            assert root is not None
            name = path.relative_to(root).as_posix().encode("utf-8", "surrogateescape")
            digest.update(b"\0template\0" + name + b"\0" + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()
