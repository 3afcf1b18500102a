"""The command line: a thin click layer over :mod:`audiobrief.pipeline`.

The only place that prints, and the only place that turns errors into messages and exit codes:
0 ok, 1 an error with a one-line reason, 2 a usage error. Heavy modules are imported inside the
commands so that ``audiobrief --help`` stays instant.
"""

from __future__ import annotations

import datetime as dt
import errno
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


def _os_message(exc: OSError) -> str:
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


def _errors_to_exit_codes(func: F) -> F:
    """Expected failures become one line and exit 1; a bug becomes one line too (its traceback with -vv)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AudiobriefError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(_os_message(exc)) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            logging.getLogger("audiobrief").debug("internal error", exc_info=True)
            raise click.ClickException(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in audiobrief: run the command again "
                "with -vv to see where, and report it") from exc

    return wrapper  # type: ignore[return-value]


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
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


def _settings(config: Path | None, base_url: str | None = None) -> Any:
    from dataclasses import replace

    from .config import load_settings

    settings = load_settings(config)
    return replace(settings, base_url=base_url) if base_url else settings


def _engine_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .tts import ENGINES

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
def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .standards import LANGUAGE_CODE

    if value is not None and not LANGUAGE_CODE.match(value):
        raise click.BadParameter(f"{value!r}: use an ISO 639 code such as en, es or pt-br")
    return value


language_option = click.option(
    "--language", "language", callback=_language, metavar="CODE",
    help="Language of the briefs (en, es, ...), overriding what they declare; default: each brief's, "
         "else [show] language.",
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
    logging.getLogger().setLevel(level)  # also when logging was configured before (tests, embedding)


def _parse_age(value: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s`` (or plain seconds) in seconds."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", value)
    if not match:
        raise click.BadParameter(f"{value!r} is not an age; use e.g. 30d, 12h, 90m")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    return float(match.group(1)) * unit


def _cache(settings: Any, cache_dir: Path | None, no_cache: bool, *, create: bool = True) -> Any:
    from .cache import SegmentCache, default_cache_dir

    if no_cache:
        return None
    chosen = cache_dir or settings.cache_dir
    segment_cache = SegmentCache(chosen or default_cache_dir())
    if chosen is not None:
        segment_cache.require_folder(create=create)
    return segment_cache


class _BuildDisplay:
    """Progress of a build on stderr: a live bar on a terminal (rich), a few plain lines elsewhere."""

    def __init__(self, quiet: bool) -> None:
        import time

        self.quiet = quiet
        self.live = sys.stderr.isatty() and not quiet
        self.progress: Any = None
        self.task: Any = None
        self.clock = time.monotonic
        self.started = self.last = self.clock()
        self.stage = "read and plan"
        self.timings: dict[str, float] = {}

    def _enter(self, stage: str) -> None:
        # Wall time per stage for -v; speaking and mastering overlap, so "speak" is the wait for speech.
        now = self.clock()
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + now - self.last
        self.stage, self.last = stage, now

    def report_timings(self) -> None:
        """With -v, one line of wall time per stage."""
        self._enter("done")
        if self.quiet or logging.getLogger().level > logging.INFO:
            return
        parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.timings.items() if name != "done")
        click.echo(f"Timings: {parts}; total {self.clock() - self.started:.2f} s", err=True)

    def __enter__(self) -> _BuildDisplay:
        if self.live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("segments"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[counts]}"),
                console=Console(stderr=True), transient=True,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, event: Any) -> None:
        stage = {"planned": "speak", "mastering": "master", "publishing": "publish"}.get(event.stage)
        if stage is not None:
            self._enter(stage)
        if self.quiet:
            return
        counts = f"{event.cached} cached, {event.synthesized} synthesized"
        if event.stage == "planned":
            if self.progress is not None:
                self.task = self.progress.add_task("Speaking", total=event.total, completed=event.done, counts=counts)
            else:
                click.echo(f"Speaking {event.total} segment(s), {event.cached} from the cache", err=True)
        elif event.stage == "segment" and self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=event.done, total=event.total, counts=counts)
        elif event.stage == "mastering":
            self._say(f"Mastering and encoding {event.brief_id}")
        elif event.stage == "episode" and event.detail == "unchanged":
            self._say(f"Unchanged: {event.brief_id} (nothing to synthesize or encode)")

    def _say(self, line: str) -> None:
        # above the live bar when there is one, so the bar is not torn
        if self.progress is not None:
            self.progress.console.print(line)
        else:
            click.echo(line, err=True)


@cli.command()
@click.argument("briefs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Output folder; earlier episodes in it stay in the feed.")
@click.option("--engine", "engine", callback=_engine_name, metavar="NAME",
              help="TTS engine: piper (default, offline), hibari (offline), espeak, gtts (online).")
@click.option("--base-url", "base_url", metavar="URL",
              help="Public URL of the output folder, for enclosure links. Recorded by the first build and "
                   "reused after (default http://127.0.0.1:8000/); a different one is refused, see --move-to.")
@click.option("--move-to", "move_to", metavar="URL",
              help="Move a published show to a new base URL on purpose (the feed announces the new address).")
@click.option("--no-wait", is_flag=True, help="Fail at once if another build is changing --out (default: wait for it).")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), metavar="N",
              help="Refuse an episode whose estimated length passes N minutes (default: [limits] max_minutes, 120).")
@click.option("--keep", type=click.IntRange(min=1), metavar="N",
              help="Keep only the newest N episodes in the feed; older ones and their files are deleted.")
@click.option("--digest", "digest", is_flag=True,
              help="Make ONE episode reading every brief in turn (a daily digest) instead of one per brief.")
@click.option("--title", "title", default="Daily briefing", show_default=True, metavar="TEXT",
              help="The digest's title (with --digest).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Cores to synthesize on (default: all available).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Segment cache folder (default: [cache] dir, else the user's cache folder).")
@click.option("--no-cache", is_flag=True, help="Synthesize every segment; read and write no cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (for scripts); no progress.")
@config_option
@templates_option
@language_option
@date_option
@_errors_to_exit_codes
def build(briefs: tuple[Path, ...], out_dir: Path, engine: str | None, base_url: str | None, move_to: str | None,
          no_wait: bool, max_minutes: float | None, keep: int | None, digest: bool, title: str, jobs: int | None,
          cache_dir: Path | None, no_cache: bool, as_json: bool, config: Path | None, templates: Path | None,
          language: str | None, date: dt.datetime | None) -> None:
    """Build an episode from each BRIEF and update the feed in --out.

    A BRIEF is a .txt/.md page rendering, a .json or .yaml brief, or a folder of them.
    Unchanged episodes are kept as they are (same bytes, same URL); speech comes from the segment
    cache where it can, so an edit re-synthesizes only what changed.

    Writes the audio, transcripts and chapters, then episodes.json, feed.json (JSON Feed),
    alexa.json (Alexa flash briefing), index.html, and last feed.xml.

    \b
    Examples:
      audiobrief build examples/seed-brief.txt --out output
      audiobrief build briefs/ --out output --jobs 2
      audiobrief build --digest briefs/*.txt --title "Morning briefing" --out output
      audiobrief build briefs/noticias.json --language es --out output-es
    """
    from dataclasses import replace

    from .pipeline import build as run_build
    from .timefmt import hms

    settings = _settings(config, base_url)
    if max_minutes is not None:
        settings = replace(settings, limits=replace(settings.limits, max_minutes=max_minutes))
    quiet = logging.getLogger().level >= logging.ERROR
    with _BuildDisplay(quiet or as_json) as display:
        result = run_build(briefs, out_dir, settings, engine_name=engine, templates_dir=templates or settings.templates_dir,
                           published=date, keep=keep, progress=display, cache=_cache(settings, cache_dir, no_cache),
                           jobs=jobs, digest_title=title if digest else None, move_to=move_to, wait=not no_wait,
                           language=language)
    display.report_timings()
    if as_json:
        from .store import episode_to_json
        from .voices import voice_key

        click.echo(json.dumps({
            "out_dir": str(result.out_dir), "feed": str(result.feed_path), "feed_url": result.feed_url,
            "feed_episodes": result.feed_episode_count, "unchanged": list(result.unchanged),
            "segments": {"synthesized": result.segments_synthesized, "cached": result.segments_cached},
            "voices": {cast.language: {"host": voice_key(cast.host), "narratives": [voice_key(k) for k in cast.narratives],
                                       "labels": {label: voice_key(k) for label, k in cast.labels}}
                       for cast in result.casts},
            "episodes": [episode_to_json(e) for e in result.episodes]}, ensure_ascii=False, indent=2))
        return
    if quiet:
        return
    for episode in result.episodes:
        lufs = f", {episode.integrated_lufs:.1f} LUFS" if episode.integrated_lufs is not None else ""
        state = " (unchanged)" if episode.brief_id in result.unchanged else ""
        click.echo(f"Episode: {result.out_dir / episode.audio_file} ({hms(episode.duration_ms)}, "
                   f"{len(episode.chapters)} chapters{lufs}){state}")
    if result.segments_cached or result.segments_synthesized:
        click.echo(f"Speech:  {result.segments_synthesized} segment(s) synthesized, "
                   f"{result.segments_cached} from the cache")
    click.echo(f"Feed:    {result.feed_path} ({result.feed_episode_count} episode(s)) -> {result.feed_url}")
    click.echo(f"Site:    {result.out_dir / 'index.html'}   Serve it: audiobrief serve {result.out_dir}")


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The show's title.")
@click.option("--author", help="Who makes it (also the owner's name).")
@click.option("--language", help="ISO 639 code of the show's language (en, es, ...).")
@click.option("--base-url", "base_url", metavar="URL", help="Where the built folder will be served.")
@_errors_to_exit_codes
def init(folder: Path, title: str | None, author: str | None, language: str | None, base_url: str | None) -> None:
    """Set up a show in FOLDER: a commented audiobrief.toml, briefs/ with an example, templates/<language>/.

    Asks for the title, author, language and base URL on a terminal (flags answer without asking);
    never overwrites a file that exists.

    \b
    Examples:
      audiobrief init my-show --title "Morning Briefing" --author "Newsroom"
      cd my-show && audiobrief build briefs/ --out output
    """
    from importlib import resources

    from .config import DEFAULT_BASE_URL
    from .standards import LANGUAGE_CODE

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    existing = folder / "audiobrief.toml"
    if existing.is_file():
        # Running init again completes the show as it is: no questions, its own language.
        from .config import load_settings

        current = load_settings(existing)
        interactive = False
        language = language or current.show.language
        title, author = title or current.show.title, author or current.show.author
    answers = {
        "title": title or (click.prompt("Show title", default="Morning Briefing") if interactive else "Morning Briefing"),
        "author": author or (click.prompt("Author", default="Newsroom") if interactive else "Newsroom"),
        "language": language or (click.prompt("Language (ISO 639)", default="en") if interactive else "en"),
        "base_url": base_url or (click.prompt("Public URL of the built folder", default=DEFAULT_BASE_URL)
                                 if interactive else DEFAULT_BASE_URL),
    }
    if not LANGUAGE_CODE.match(answers["language"]):
        raise click.BadParameter(f"{answers['language']!r}: use an ISO 639 code such as en or es", param_hint="--language")
    if not answers["base_url"].startswith(("http://", "https://")):
        raise click.BadParameter(f"{answers['base_url']!r}: expected an http:// or https:// URL", param_hint="--base-url")
    values = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in answers.items()}
    values["description"] = json.dumps(f"{answers['title']}: the news, read aloud.", ensure_ascii=False)[1:-1]
    from .languages import primary, shipped_languages

    scaffold = resources.files("audiobrief").joinpath("scaffold")
    code = primary(answers["language"])
    # The show's language's templates; a language we ship none for starts from English ones to translate.
    source = code if code in shipped_languages() else "en"
    templates = resources.files("audiobrief").joinpath("templates", "script", source)
    files = {
        Path("audiobrief.toml"): scaffold.joinpath("audiobrief.toml.in").read_text(encoding="utf-8").format(**values),
        Path("briefs", "example-brief.txt"): scaffold.joinpath("seed-brief.txt").read_text(encoding="utf-8"),
        **{Path("templates", code, t.name): t.read_text(encoding="utf-8")
           for t in sorted(templates.iterdir(), key=lambda t: t.name) if t.name.endswith((".j2", ".toml"))},
    }
    made = kept = 0
    for relative, content in files.items():
        path = folder / relative
        if path.exists():
            kept += 1
            click.echo(f"kept     {path} (exists)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(content)
        made += 1
        click.echo(f"created  {path}")
    if source != code:
        click.echo(f"note: audiobrief has no {code} templates yet; translate the English ones in "
                   f"{folder / 'templates' / code} (README: \"Adding a language\")")
    click.echo(f"{made} file(s) created, {kept} kept. Next:\n"
               f"  cd {folder}\n"
               "  audiobrief say \"Good morning, this is the news.\"     # hear the voice\n"
               "  audiobrief build briefs/ --out output\n"
               "  audiobrief serve output")


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Output folder.")
@click.option("--engine", "engine", callback=_engine_name, metavar="NAME", help="TTS engine (default: the configuration's).")
@click.option("--base-url", "base_url", metavar="URL", help="Public URL of the output folder (as for build).")
@click.option("--keep", type=click.IntRange(min=1), metavar="N", help="Keep only the newest N episodes.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N", help="Cores to synthesize on.")
@click.option("--debounce", "debounce_ms", default=1600, show_default=True, type=click.IntRange(min=50), metavar="MS",
              help="Wait this long after the last change before building.")
@config_option
@templates_option
@language_option
@_errors_to_exit_codes
def watch(folder: Path, out_dir: Path, engine: str | None, base_url: str | None, keep: int | None, jobs: int | None,
          debounce_ms: int, config: Path | None, templates: Path | None, language: str | None) -> None:
    """Build FOLDER's briefs, then rebuild whenever a brief is added or changed; Ctrl-C stops.

    Each brief is built on its own, so one that fails is reported in one line and the others
    still publish; unchanged briefs cost nothing (see build). A removed brief's episode stays in
    the feed (withdraw it with `audiobrief remove`).

    \b
    Examples:
      audiobrief watch briefs/ --out output
      audiobrief watch briefs/ --out /srv/show --base-url https://pod.example.org/show/
    """
    import time

    import watchfiles

    from .brief import PARSERS
    from .inputs import brief_paths
    from .pipeline import build as run_build

    settings = _settings(config, base_url)
    quiet = logging.getLogger().level >= logging.ERROR

    def say(line: str) -> None:
        if not quiet:
            click.echo(f"{time.strftime('%H:%M:%S')} {line}")

    def is_brief(path: Path) -> bool:
        return path.suffix.lower() in PARSERS and not path.name.startswith(".")

    def build_each(paths: list[Path]) -> None:
        for path in paths:
            started = time.monotonic()
            try:
                result = run_build([path], out_dir, settings, engine_name=engine, keep=keep, language=language,
                                   templates_dir=templates or settings.templates_dir,
                                   cache=_cache(settings, None, False), jobs=jobs)
            except AudiobriefError as exc:
                click.echo(f"{time.strftime('%H:%M:%S')} Error: {exc}", err=True)  # the watch goes on
                continue
            state = "unchanged" if result.unchanged else "built"
            say(f"{path.name}: {state} in {time.monotonic() - started:.1f} s; the feed has "
                f"{result.feed_episode_count} episode(s)")

    def snapshot() -> dict[Path, tuple[int, int]]:
        return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir() if p.is_file() and is_brief(p)}

    try:
        seen = snapshot()
        build_each(brief_paths([folder]) if seen else [])
        watching = False
        for changes in watchfiles.watch(folder, debounce=debounce_ms, step=50, recursive=False, raise_interrupt=True,
                                        yield_on_timeout=True, rust_timeout=500):
            if not watching:
                # The watcher runs from here on: catch what changed while the first build ran.
                watching = True
                now = snapshot()
                build_each(sorted(p for p, stamp in now.items() if seen.get(p) != stamp))
                say(f"watching {folder} (Ctrl-C stops)")
            changed = sorted({Path(p) for kind, p in changes if kind != watchfiles.Change.deleted})
            removed = sorted({Path(p).name for kind, p in changes if kind == watchfiles.Change.deleted})
            if removed:
                say(f"removed {', '.join(removed)}: its episode stays in the feed (audiobrief remove withdraws it)")
            build_each([p for p in changed if p.is_file() and is_brief(p)])
    except KeyboardInterrupt:
        say("stopped")


@cli.group()
def cache() -> None:
    """The segment cache: speech already synthesized, reused by every build.

    \b
    Examples:
      audiobrief cache info
      audiobrief cache prune --older-than 30d
    """


cache_dir_option = click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
                                help="The cache folder (default: [cache] dir, else the user's cache folder).")


@cache.command("info")
@cache_dir_option
@config_option
@_errors_to_exit_codes
def cache_info(cache_dir: Path | None, config: Path | None) -> None:
    """Where the cache is, how many segments it holds, and their size and age.

    \b
    Examples:
      audiobrief cache info
      audiobrief cache info --cache /tmp/audiobrief-cache
    """
    info = _cache(_settings(config), cache_dir, False, create=False).info()
    size_mb = info.size_bytes / 1e6
    click.echo(f"Cache:    {info.path}")
    click.echo(f"Segments: {info.entries} ({size_mb:.1f} MB)")
    if info.oldest_s is not None and info.newest_s is not None:
        click.echo(f"Last use: newest {info.newest_s / 86400:.1f} days ago, oldest {info.oldest_s / 86400:.1f} days ago")


@cache.command("prune")
@click.option("--older-than", "older_than", metavar="AGE",
              help="Only segments unused for AGE (e.g. 30d, 12h); default: every segment.")
@cache_dir_option
@config_option
@_errors_to_exit_codes
def cache_prune(older_than: str | None, cache_dir: Path | None, config: Path | None) -> None:
    """Delete cached segments (those unused for --older-than AGE, or all).

    \b
    Examples:
      audiobrief cache prune --older-than 30d
      audiobrief cache prune            # everything
    """
    age = _parse_age(older_than) if older_than is not None else None
    segment_cache = _cache(_settings(config), cache_dir, False, create=False)
    removed, freed = segment_cache.prune(age)
    click.echo(f"Removed {removed} segment(s), {freed / 1e6:.1f} MB, from {segment_cache.root}")


@cli.command()
@click.argument("brief", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the spoken script; json: the parsed brief and the segments.")
@config_option
@templates_option
@language_option
@date_option
@_errors_to_exit_codes
def script(brief: Path, fmt: str, config: Path | None, templates: Path | None, language: str | None,
           date: dt.datetime | None) -> None:
    """Print the spoken script of BRIEF, segment by segment, without synthesizing.

    \b
    Examples:
      audiobrief script examples/seed-brief.txt
      audiobrief script briefs/today.json --format json --templates templates
      audiobrief script briefs/noticias.txt --language es
    """
    from .brief import load_brief
    from .pipeline import script_for

    settings = _settings(config)
    parsed = load_brief(brief, language=settings.show.language, force_language=language)
    when = date or parsed.published or dt.datetime.now(dt.UTC)
    result = script_for(parsed, settings, published=when, templates_dir=templates or settings.templates_dir)
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
@click.argument("text", nargs=-1, required=True)
@click.option("--voice", "voice", metavar="[ENGINE:]VOICE",
              help="The voice to audition, e.g. hibari:heart or piper:joe (default: the host's).")
@click.option("--engine", "engine", callback=_engine_name, metavar="NAME", help="The engine, when --voice does not name it.")
@click.option("-o", "--out", "out", default="say.wav", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The WAV file to write.")
@click.option("--language", "language", callback=_language, metavar="CODE",
              help="The language of TEXT (default: [show] language): picks the normalization and the voice.")
@click.option("--show-text", is_flag=True, help="Print the text as it will be spoken (after normalization) on stdout.")
@config_option
@_errors_to_exit_codes
def say(text: tuple[str, ...], voice: str | None, engine: str | None, out: Path, language: str | None,
        show_text: bool, config: Path | None) -> None:
    """Say TEXT with a voice, as a build would (text made speakable first), into a WAV file.

    TEXT "-" reads standard input. Use it to audition voices and check a pronunciation.

    \b
    Examples:
      audiobrief say "Kim Jong Un met Putin in Pyongyang on Sept. 13." --voice hibari:heart
      audiobrief say "A 35.5 million dollar plan" --voice piper:joe -o plan.wav
      audiobrief say "El 3 de octubre, 1.500 personas." --language es --show-text
    """
    import wave

    from .speakable import speakable
    from .speech import check_speech
    from .voices import create_engine, resolve_voice

    settings = _settings(config)
    language = language or settings.show.language
    written = sys.stdin.read() if text == ("-",) else " ".join(text)
    spoken = speakable(written, dict(settings.pronunciations), language)
    if not spoken.strip():
        raise click.BadParameter("nothing to say after cleaning the text", param_hint="TEXT")
    if show_text:
        click.echo(spoken)
    tts = create_engine(settings, *resolve_voice(settings, voice, engine, language))
    chunks = list(tts.synthesize(spoken))
    rate = chunks[0].sample_rate_hz if chunks else 22_050
    pcm = b"".join(c.pcm for c in chunks)
    check_speech("say", spoken, pcm, rate)
    try:
        with open(out, "wb") as raw, wave.open(raw, "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(rate)
            handle.writeframes(pcm)
    except OSError as exc:
        raise click.ClickException(f"{out}: cannot write the WAV file ({exc.strerror or exc}); choose another -o") from exc
    if logging.getLogger().level < logging.ERROR:
        if not show_text:
            click.echo(f"Said: {spoken}", err=True)
        click.echo(f"{out} ({len(pcm) / 2 / rate:.1f} s, {tts.fingerprint()})", err=show_text)


@cli.command()
@click.option("--online", is_flag=True, help="Also contact online services (gTTS) to see whether they answer.")
@click.option("--language", "language", callback=_language, metavar="CODE",
              help="Say which voice of each engine speaks this language, and who a build would cast.")
@config_option
@_errors_to_exit_codes
def engines(online: bool, language: str | None, config: Path | None) -> None:
    """List the TTS engines, their voices, and whether each can run here (offline unless --online).

    \b
    Examples:
      audiobrief engines
      audiobrief engines --language es
      audiobrief engines --online
    """
    from .tts import engine_statuses

    for status in engine_statuses(online=online, language=language):
        mark = "ok " if status.available else "-- "
        click.echo(f"{mark}{status.name:<7} {status.description}")
        if status.available:
            voices = ", ".join(status.voices[:12]) + (" ..." if len(status.voices) > 12 else "")
            click.echo(f"        voices: {voices}")
            if status.languages:
                shown = ", ".join(status.languages[:12]) + (" ..." if len(status.languages) > 12 else "")
                click.echo(f"        languages: {len(status.languages)} ({shown})" if len(status.languages) > 1
                           else f"        languages: {shown}")
            if status.detail != "ready":
                click.echo(f"        {status.detail}")
            if language:
                click.echo(f"        {language}: " + (f"voice {status.language_voice}" if status.language_voice
                                                     else "no voice for this language"))
        else:
            click.echo(f"        {status.detail}")
    if language:
        from .voices import cast_for, voice_key

        try:
            cast = cast_for(_settings(config), language)
        except AudiobriefError as exc:
            click.echo(f"A build in {language}: {exc}")
            return
        narrators = ", ".join(voice_key(k) for k in cast.narratives)
        click.echo(f"A build in {language}: host {voice_key(cast.host)}; narratives {narrators}")


@cli.command()
@click.argument("folder", default="output", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--timeout", "timeout_s", default=30.0, show_default=True, type=click.FloatRange(min=0.1), metavar="S",
              help="Seconds a client may stall before it is cut off.")
@click.option("--quiet", is_flag=True, help="No line per request.")
@_errors_to_exit_codes
def serve(folder: Path, host: str, port: int, timeout_s: float, quiet: bool) -> None:
    """Serve FOLDER for podcast apps: byte ranges, HEAD, ETags, right MIME types, CORS; Ctrl-C stops.

    Logs one line per request on stderr (--quiet silences them). For HTTPS, run it behind a
    reverse proxy (see the README).

    \b
    Examples:
      audiobrief serve output
      audiobrief serve output --host 0.0.0.0 --port 8080 --quiet
    """
    from .serve import make_server

    if not quiet and logging.getLogger().level < logging.ERROR:
        access = logging.getLogger("audiobrief.serve")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False

    try:
        server = make_server(folder, host, port, timeout_s=timeout_s)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                                   "choose another --port, or stop what is using it") from exc
    address = f"http://{host}:{server.server_address[1]}/"
    click.echo(f"Serving {folder} at {address}  (feed: {address}feed.xml, page: {address}index.html)")
    if not (folder / "feed.xml").exists():
        click.echo(f"Warning: {folder} has no feed.xml yet; run audiobrief build first.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


@cli.command()
@click.argument("target", default="output")
@click.option("--no-loudness", is_flag=True, help="Skip measuring loudness (the slowest check).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="Take the loudness targets from this audiobrief.toml (default: those the show was built with).")
@_errors_to_exit_codes
def check(target: str, no_loudness: bool, config: Path | None) -> None:
    """Check a built show folder or a feed URL against Apple, Podcasting 2.0 and smart-speaker rules.

    Loudness is held to the targets the show was built with ([audio] target_lufs and
    true_peak_dbtp, recorded in the folder), else Apple's -16 LUFS / -2 dBTP.
    Prints each problem with its fix; exits 1 when there are errors.

    \b
    Examples:
      audiobrief check output
      audiobrief check https://pod.example.org/show/feed.xml --no-loudness
    """
    from .check import Loudness, check_show
    from .errors import CheckError

    if not target.startswith(("http://", "https://")) and not Path(target, "feed.xml").is_file():
        raise click.BadParameter(f"{target} is neither a feed URL nor a folder with feed.xml", param_hint="TARGET")
    loudness: bool | Loudness = not no_loudness
    if config is not None and not no_loudness:
        audio = _settings(config).audio
        loudness = Loudness(audio.target_lufs, audio.true_peak_dbtp, f"from {config}")
    report = check_show(target, loudness=loudness)
    for problem in report.problems:
        click.echo(str(problem))
    errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
    checked = ", ".join(sorted(set(report.checked))) or "nothing (the feed could not be read)"
    summary = f"{target}: {errors} error(s), {warnings} warning(s); checked {checked}"
    if errors:
        raise CheckError(summary)
    click.echo(f"OK {summary}")


@cli.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-wait", is_flag=True, help="Fail at once if a build or publish holds either folder.")
@_errors_to_exit_codes
def publish(source: Path, dest: Path, no_wait: bool) -> None:
    """Copy the built show in SOURCE to DEST (a static host's folder), the feed last.

    Rebuild with --base-url set to DEST's public URL first. Or use rsync: sync everything but
    feed.xml, then feed.xml.

    \b
    Examples:
      audiobrief publish output /var/www/show
    """
    from .publish import publish_folder

    count = publish_folder(source, dest, wait=not no_wait)
    click.echo(f"Published {count} files to {dest}")


@cli.command()
@click.argument("guid")
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="The show folder.")
@click.option("--base-url", "base_url", metavar="URL",
              help="Public URL of the folder (default: the one recorded when it was built).")
@click.option("--move-to", "move_to", metavar="URL", help="Move the show to a new base URL on purpose.")
@click.option("--no-wait", is_flag=True, help="Fail at once if a build is changing the folder.")
@config_option
@_errors_to_exit_codes
def remove(guid: str, out_dir: Path, base_url: str | None, move_to: str | None, no_wait: bool,
           config: Path | None) -> None:
    """Withdraw episode GUID (or its brief id) from the feed and delete its files.

    \b
    Examples:
      audiobrief remove seed-brief --out output
    """
    from .pipeline import remove as remove_episode

    episode = remove_episode(out_dir, _settings(config, base_url), guid, move_to=move_to, wait=not no_wait)
    click.echo(f"Removed {episode.title!r} ({episode.guid}) from {out_dir / 'feed.xml'}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="audiobrief")


if __name__ == "__main__":
    main()
