"""The command line: a thin click layer over :mod:`audiobrief.pipeline`.

The only place that prints, and the only place that turns errors into messages and exit codes:
0 ok, 1 an error with a one-line reason, 2 a usage error. Heavy modules are imported inside the
commands so that ``audiobrief --help`` stays instant.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import AudiobriefError

F = TypeVar("F", bound=Callable[..., Any])


def _errors_to_exit_codes(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AudiobriefError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD or an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    if len(value) == 10:
        parsed = parsed.replace(hour=6)  # a morning briefing
    return parsed


def _settings(config: Path | None, base_url: str | None = None) -> Any:
    from dataclasses import replace

    from .config import load_settings

    settings = load_settings(config)
    return replace(settings, base_url=base_url) if base_url else settings


config_option = click.option(
    "--config", "config", type=click.Path(dir_okay=False, path_type=Path),
    help="Show settings (default: ./audiobrief.toml when present).",
)
templates_option = click.option(
    "--templates", "templates", type=click.Path(file_okay=False, path_type=Path),
    help="Folder of script templates (intro/fact/transition/narrative/outro.txt.j2) overriding the shipped ones.",
)
date_option = click.option(
    "--date", "date", callback=_parse_date, metavar="YYYY-MM-DD",
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
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)


@cli.command()
@click.argument("briefs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; earlier episodes in it stay in the feed.")
@click.option("--engine", "engine", help="TTS engine: piper (default, offline), espeak, gtts (online).")
@click.option("--base-url", "base_url", metavar="URL",
              help="Public URL of the output folder, for enclosure links (default http://127.0.0.1:8000/).")
@config_option
@templates_option
@date_option
@_errors_to_exit_codes
def build(briefs: tuple[Path, ...], out_dir: Path, engine: str | None, base_url: str | None,
          config: Path | None, templates: Path | None, date: dt.datetime | None) -> None:
    """Build an episode from each BRIEF (.txt or .json) and update the feed in --out."""
    from .pipeline import ProgressEvent
    from .pipeline import build as run_build
    from .timefmt import hms

    settings = _settings(config, base_url)
    quiet = logging.getLogger().level >= logging.ERROR
    live = sys.stderr.isatty()

    def show(event: ProgressEvent) -> None:
        if quiet:
            return
        if event.stage == "speaking" and event.done == 0:
            click.echo(f"Speaking {event.brief_id} ({event.total} segments)", err=True)
        elif event.stage == "speaking" and live:
            click.echo(f"\r  [{event.done}/{event.total}] {event.detail:<16}", err=True,
                       nl=event.done == event.total)
        elif event.stage == "encoding":
            click.echo(f"Mastering and encoding {event.brief_id}", err=True)

    result = run_build(briefs, out_dir, settings, engine_name=engine, templates_dir=templates,
                       published=date, progress=show)
    for episode in result.episodes:
        lufs = f", {episode.integrated_lufs:.1f} LUFS" if episode.integrated_lufs is not None else ""
        click.echo(f"Episode: {result.out_dir / episode.audio_file} ({hms(episode.duration_ms)}, "
                   f"{len(episode.chapters)} chapters{lufs})")
    click.echo(f"Feed:    {result.feed_path} ({result.feed_episode_count} episode(s)) -> "
               f"{settings.base_url.rstrip('/')}/feed.xml")


@cli.command()
@click.argument("brief", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the spoken script; json: the parsed brief and the segments.")
@config_option
@templates_option
@date_option
@_errors_to_exit_codes
def script(brief: Path, fmt: str, config: Path | None, templates: Path | None, date: dt.datetime | None) -> None:
    """Print the spoken script of BRIEF, segment by segment, without synthesizing."""
    from .brief import load_brief
    from .pipeline import script_for

    settings = _settings(config)
    parsed = load_brief(brief)
    when = date or parsed.published or dt.datetime.now(dt.timezone.utc)
    result = script_for(parsed, settings, published=when, templates_dir=templates)
    if fmt == "json":
        click.echo(json.dumps({"brief": asdict(parsed), "segments": [asdict(s) for s in result.segments]},
                              indent=2, ensure_ascii=False, default=str))
        return
    for segment in result.segments:
        click.echo(f"[{segment.id}] ({segment.role}; chapter: {segment.chapter_title})")
        click.echo(segment.text)
        click.echo()
    click.echo(f"-- {result.word_count} words, about {result.word_count / 160:.1f} minutes at 160 words a minute")


@cli.command()
def engines() -> None:
    """List the TTS engines, their voices, and whether each can run here."""
    from .tts import engine_statuses

    for status in engine_statuses():
        mark = "ok " if status.available else "-- "
        click.echo(f"{mark}{status.name:<7} {status.description}")
        if status.available:
            voices = ", ".join(status.voices[:12]) + (" ..." if len(status.voices) > 12 else "")
            click.echo(f"        voices: {voices}")
        else:
            click.echo(f"        {status.detail}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="audiobrief")


if __name__ == "__main__":
    main()
