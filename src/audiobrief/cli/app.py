"""The ``audiobrief`` group, its shared options, and the one place errors become messages and exit codes.

0 ok, 1 an error with a one-line reason, 2 a usage error. The commands live in the sibling
modules and register on :data:`cli`.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import AudiobriefError

F = TypeVar("F", bound=Callable[..., Any])


def os_message(exc: OSError) -> str:
    """An OSError at the edges as one line naming the path and the fix."""
    path = exc.filename or "a file"
    reason = exc.strerror or str(exc)
    perms = "check its permissions, or choose another path"
    fixes = {
        errno.EACCES: perms, errno.EPERM: perms, errno.ENOENT: "check the path",
        errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
        errno.EISDIR: "it is a folder; give a file",
        errno.ENOSPC: "the disk is full; free some space and run again (what was published before is intact)",
        errno.EDQUOT: "the disk quota is exhausted; free some space and run again",
        errno.EROFS: "the file system is read-only; choose another path",
    }
    return f"{path}: {reason}; {fixes.get(exc.errno or 0, 'check the path and try again')}"


def errors_to_exit_codes(func: F) -> F:
    """Expected failures become one line and exit 1; a bug becomes one line too (its traceback with -vv)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AudiobriefError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(os_message(exc)) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            logging.getLogger("audiobrief").debug("internal error", exc_info=True)
            raise click.ClickException(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in audiobrief: run the command again "
                "with -vv to see where, and report it") from exc

    return wrapper  # type: ignore[return-value]


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """``--date``: YYYY-MM-DD (6:00 UTC, a morning briefing) or an ISO 8601 time."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD or an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if len(value) == 10:
        parsed = parsed.replace(hour=6)  # a morning briefing
    return parsed


def settings_from(config: Path | None, base_url: str | None = None) -> Any:
    """The settings of ``--config`` (else ./audiobrief.toml), with ``--base-url`` applied."""
    from dataclasses import replace

    from ..config import load_settings

    settings = load_settings(config)
    return replace(settings, base_url=base_url) if base_url else settings


def check_engine_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--engine``: a registered engine name, else a usage error (exit 2)."""
    from ..tts import ENGINES

    if value is not None and value not in ENGINES:
        raise click.BadParameter(f"unknown engine {value!r}; choose one of: {', '.join(sorted(ENGINES))}")
    return value


config_option = click.option(
    "--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Show settings (default: ./audiobrief.toml when present).",
)
templates_option = click.option(
    "--templates", "templates", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
    help="Folder of script templates overriding the shipped ones: DIR/<language>/*.txt.j2 and language.toml, or "
         "*.txt.j2 directly in DIR for every language (default: the templates key of audiobrief.toml).",
)
def check_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--language``: an ISO 639 code, else a usage error (exit 2)."""
    from ..standards import LANGUAGE_CODE

    if value is not None and not LANGUAGE_CODE.match(value):
        raise click.BadParameter(f"{value!r}: use an ISO 639 code such as en, es or pt-br")
    return value


language_option = click.option(
    "--language", "language", callback=check_language, metavar="CODE",
    help="Language of the briefs (en, es, ...), overriding what they declare; default: each brief's, "
         "else [show] language.",
)
date_option = click.option(
    "--date", "date", callback=parse_date, metavar="YYYY-MM-DD",
    help="Episode date (default: the brief's, else the first build's, else now).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="audiobrief")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Turn news briefs into narrated podcast episodes with chapters, transcripts and a feed.

    \b
    Quick start:
      audiobrief build examples/seed-brief.txt --out output
      audiobrief script examples/seed-brief.txt      # see what will be said
      audiobrief engines                             # which voices can run here
      audiobrief init my-show                        # a show of your own (see the README's tutorial)
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)  # also when logging was configured before (tests, embedding)


def quiet() -> bool:
    """Whether ``-q`` asked for nothing but errors."""
    return logging.getLogger().level >= logging.ERROR


def status(line: str) -> None:
    """A line that reports what a command did (not its result): silent under ``-q``."""
    if not quiet():
        click.echo(line)


def parse_age(value: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s`` (or plain seconds) in seconds."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", value)
    if not match:
        raise click.BadParameter(f"{value!r} is not an age; use e.g. 30d, 12h, 90m")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    return float(match.group(1)) * unit


def tune_malloc() -> None:
    """Set glibc's malloc for a build: one arena, and freed blocks kept for reuse (see :func:`return_memory`).

    - One arena for every thread (``M_ARENA_MAX``): a build allocates from the speech threads and the
      main thread at once, glibc gives each its own arena, and the fragments they keep raised a build's
      peak memory by 55-65 MB (example brief: 436 MB against 377 MB, same wall time).
    - Blocks up to 32 MB from the heap (``M_MMAP_THRESHOLD``, glibc's maximum), kept when freed
      (``M_TRIM_THRESHOLD`` 512 MB, ``M_TOP_PAD`` 64 MB): the mastering's arrays of a few MB each were
      mapped and unmapped chunk after chunk, each time faulting in fresh pages. Kept, a cold build of the
      example spends less time in the kernel (0.46-0.58 s against 0.62-0.90 s) and takes 3.31 s against
      3.45 s (medians of 6 each, taken in turn), at the same peak memory (396-422 MB against 410-428 MB).

    Without glibc (musl, macOS) this does nothing.
    """
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(None)
        libc.mallopt(-8, 1)  # M_ARENA_MAX
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD (fixing it also stops glibc's own adjusting)
        libc.mallopt(-1, 512 * 1024 * 1024)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 64 * 1024 * 1024)  # M_TOP_PAD


def return_memory() -> None:
    """Give the memory malloc kept (see :func:`tune_malloc`) back to the system: ``watch`` does between builds,
    so an idle watch does not hold a build's peak."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).malloc_trim(0)


def segment_cache(settings: Any, cache_dir: str | Path | None, no_cache: bool, *, create: bool = True) -> Any:
    """The segment cache a command uses (``--cache``, else ``[cache] dir``, else the user's), or None with
    ``--no-cache``: a folder, or an fsspec URL (``s3://bucket/prefix``) with ``[cache] storage_options``."""
    from ..cache import default_cache_dir, open_cache

    if no_cache:
        return None
    chosen = cache_dir or settings.cache_dir
    cache = open_cache(chosen or default_cache_dir(), dict(settings.cache_options))
    if chosen is not None:
        cache.require(create=create)
    return cache


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="audiobrief")
