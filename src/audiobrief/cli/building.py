"""Commands that make episodes: ``build`` (with its progress display) and ``watch``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import AudiobriefError
from ..stages import ProgressEvent, Stage
from .app import (
    check_engine_name,
    cli,
    config_option,
    date_option,
    errors_to_exit_codes,
    language_option,
    quiet,
    return_memory,
    segment_cache,
    settings_from,
    templates_option,
    tune_malloc,
)

log = logging.getLogger(__name__)


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
        self.episodes_done = self.episodes_total = 0

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
                TextColumn("{task.fields[episodes]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                TextColumn("{task.fields[counts]}"),
                console=Console(stderr=True), transient=True,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        stage = {Stage.PLANNED: "speak", Stage.MASTERING: "master", Stage.PUBLISHING: "publish"}.get(event.stage)
        if stage is not None:
            self._enter(stage)
        if self.quiet:
            return
        counts = f"{event.cached} cached, {event.synthesized} synthesized"
        if event.stage is Stage.PLANNED:
            self.episodes_total = event.episodes
            if self.progress is not None:
                self.task = self.progress.add_task("Speaking", total=event.total, completed=event.done, counts=counts,
                                                   episodes=self._episodes())
            else:
                click.echo(f"Speaking {event.total} segment(s) for {event.episodes} episode(s), {event.cached} from "
                           "the cache", err=True)
        elif event.stage is Stage.SEGMENT and self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=event.done, total=event.total, counts=counts)
        elif event.stage is Stage.EPISODE and event.detail == "built":
            self.episodes_done += 1
            if self.progress is not None and self.task is not None:
                self.progress.update(self.task, episodes=self._episodes())
        elif event.stage is Stage.MASTERING:
            self._say(f"Mastering and encoding {event.brief_id} ({self.episodes_done + 1}/{self.episodes_total})")
        elif event.stage is Stage.EPISODE and event.detail == "unchanged":
            self._say(f"Unchanged: {event.brief_id} (nothing to synthesize or encode)")

    def _episodes(self) -> str:
        return f"episodes {self.episodes_done}/{self.episodes_total}"

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
@click.option("--engine", "engine", callback=check_engine_name, metavar="NAME",
              help="TTS engine: hibari (default, offline), piper (offline), espeak, gtts (online).")
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
@click.option("--cache", "cache_dir", metavar="DIR|URL",
              help="Segment cache: a folder, or an fsspec URL several machines share, such as s3://bucket/prefix "
                   "(default: [cache] dir, else the user's cache folder).")
@click.option("--no-cache", is_flag=True, help="Synthesize every segment; read and write no cache.")
@click.option("--scheduler", "scheduler", metavar="ADDRESS",
              help="Speak the segments on the workers of this dask scheduler, e.g. tcp://10.0.0.5:8786 (default: "
                   "[cluster] scheduler, else $DASK_SCHEDULER_ADDRESS, else this machine). Needs audiobrief[cluster].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (for scripts); no progress.")
@config_option
@templates_option
@language_option
@date_option
@errors_to_exit_codes
def build(briefs: tuple[Path, ...], out_dir: Path, engine: str | None, base_url: str | None, move_to: str | None,
          no_wait: bool, max_minutes: float | None, keep: int | None, digest: bool, title: str, jobs: int | None,
          cache_dir: str | None, no_cache: bool, scheduler: str | None, as_json: bool, config: Path | None,
          templates: Path | None, language: str | None, date: dt.datetime | None) -> None:
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
      audiobrief build briefs/ --scheduler tcp://10.0.0.5:8786 --cache s3://podcasts/segments
    """
    import contextlib
    from dataclasses import replace

    from ..cluster import cluster_executor, scheduler_address
    from ..pipeline import build as run_build
    from ..timefmt import hms

    tune_malloc()
    settings = settings_from(config, base_url)
    if max_minutes is not None:
        settings = replace(settings, limits=replace(settings.limits, max_minutes=max_minutes))
    cache = segment_cache(settings, cache_dir, no_cache)
    address = scheduler_address(scheduler, settings.scheduler)
    with (cluster_executor(address) if address else contextlib.nullcontext()) as executor, \
            _BuildDisplay(quiet() or as_json) as display:
        result = run_build(briefs, out_dir, settings, engine_name=engine, templates_dir=templates or settings.templates_dir,
                           published=date, keep=keep, progress=display, cache=cache, jobs=jobs, executor=executor,
                           digest_title=title if digest else None, move_to=move_to, wait=not no_wait,
                           language=language)
    display.report_timings()
    if as_json:
        from ..publishing.store import episode_to_json
        from ..voices import voice_key

        click.echo(json.dumps({
            "out_dir": str(result.out_dir), "feed": str(result.feed_path), "feed_url": result.feed_url,
            "feed_episodes": result.feed_episode_count, "unchanged": list(result.unchanged),
            "segments": {"synthesized": result.segments_synthesized, "cached": result.segments_cached},
            "voices": {cast.language: {"host": voice_key(cast.host), "narratives": [voice_key(k) for k in cast.narratives],
                                       "labels": {label: voice_key(k) for label, k in cast.labels}}
                       for cast in result.casts},
            "episodes": [episode_to_json(e) for e in result.episodes]}, ensure_ascii=False, indent=2))
        return
    if quiet():
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
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Output folder.")
@click.option("--engine", "engine", callback=check_engine_name, metavar="NAME", help="TTS engine (default: the configuration's).")
@click.option("--base-url", "base_url", metavar="URL", help="Public URL of the output folder (as for build).")
@click.option("--keep", type=click.IntRange(min=1), metavar="N", help="Keep only the newest N episodes.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N", help="Cores to synthesize on.")
@click.option("--debounce", "debounce_ms", default=1600, show_default=True, type=click.IntRange(min=50), metavar="MS",
              help="Wait this long after the last change before building.")
@click.option("--scheduler", "scheduler", metavar="ADDRESS",
              help="Speak on this dask scheduler's workers (as for build; default: [cluster] scheduler, else "
                   "$DASK_SCHEDULER_ADDRESS, else this machine).")
@config_option
@templates_option
@language_option
@errors_to_exit_codes
def watch(folder: Path, out_dir: Path, engine: str | None, base_url: str | None, keep: int | None, jobs: int | None,
          debounce_ms: int, scheduler: str | None, config: Path | None, templates: Path | None,
          language: str | None) -> None:
    """Build FOLDER's briefs, then rebuild whenever a brief is added or changed; Ctrl-C stops.

    Ctrl-C or SIGTERM stops at once while waiting and after the brief being built otherwise; a
    second Ctrl-C stops at once.

    Each brief is built on its own, so one that fails is reported in one line and the others
    still publish; unchanged briefs cost nothing (see build). A removed brief's episode stays in
    the feed (withdraw it with `audiobrief remove`). The voices stay loaded between builds, so an
    edit is spoken at once, until the watch has been idle for 5 minutes.

    \b
    Examples:
      audiobrief watch briefs/ --out output
      audiobrief watch briefs/ --out /srv/show --base-url https://pod.example.org/show/
    """
    import contextlib

    from ..cluster import cluster_executor, scheduler_address

    tune_malloc()
    settings = settings_from(config, base_url)
    address = scheduler_address(scheduler, settings.scheduler)
    with cluster_executor(address) if address else contextlib.nullcontext() as executor:
        _watch(folder, out_dir, settings, engine=engine, keep=keep, jobs=jobs, debounce_ms=debounce_ms,
               templates=templates, language=language, executor=executor)


#: How long an idle watch keeps its voices loaded: the producer's next edit is spoken without loading a
#: model (0.25-0.4 s), and a watch that waits hours for the next brief gives the memory back.
VOICE_IDLE_S = 300.0


class IdleVoices:
    """The voices a watch keeps loaded between builds, let go once no build has run for ``idle_s`` seconds."""

    def __init__(self, idle_s: float, release: Callable[[], int], clock: Callable[[], float] | None = None) -> None:
        import time

        self.idle_s, self._release, self._clock = idle_s, release, clock or time.monotonic
        self._last: float | None = None

    def built(self) -> None:
        """A build just ended (its voices may be loaded)."""
        self._last = self._clock()

    def tick(self) -> int:
        """Let the voices go if the last build ended ``idle_s`` ago: how many were loaded (0: kept or none)."""
        if self._last is None or self._clock() - self._last < self.idle_s:
            return 0
        self._last = None
        return self._release()


def _watch(folder: Path, out_dir: Path, settings: Any, *, engine: str | None, keep: int | None, jobs: int | None,
           debounce_ms: int, templates: Path | None, language: str | None, executor: Any) -> None:
    """The watch loop of ``watch`` (its docstring), on ``executor`` (None: this machine)."""
    import os
    import signal
    import threading
    import time

    import watchfiles

    from ..brief import PARSERS
    from ..inputs import brief_paths
    from ..pipeline import build as run_build
    from ..tts import release_voices

    voices = IdleVoices(VOICE_IDLE_S, release_voices)

    # Ctrl-C (SIGINT) or a service manager's SIGTERM: stop at once when waiting, after the brief being
    # built otherwise, and at once on a second one. A build cut anywhere is safe (publication is atomic),
    # but an exception raised between two bytecodes of a thread pool's or a lock's bookkeeping can leave
    # it waiting forever: seen once, a watch that never exited after Ctrl-C under a loaded machine.
    stop = threading.Event()
    building = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set() or not building.is_set():
            stop.set()
            if building.is_set():
                raise KeyboardInterrupt
            return
        stop.set()
        if not quiet():  # os.write: a handler may interrupt a buffered write to stderr (a reentrant call fails)
            os.write(2, f"{time.strftime('%H:%M:%S')} stopping after this brief (press Ctrl-C again to stop now)\n"
                     .encode())

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def say(line: str) -> None:
        if not quiet():
            click.echo(f"{time.strftime('%H:%M:%S')} {line}")

    def is_brief(path: Path) -> bool:
        return path.suffix.lower() in PARSERS and not path.name.startswith(".")

    def build_each(paths: list[Path]) -> None:
        for path in paths:
            if stop.is_set():
                return
            started = time.monotonic()
            building.set()
            try:
                result = run_build([path], out_dir, settings, engine_name=engine, keep=keep, language=language,
                                   templates_dir=templates or settings.templates_dir,
                                   cache=segment_cache(settings, None, False), jobs=jobs, executor=executor,
                                   keep_voices=True)
            except AudiobriefError as exc:
                click.echo(f"{time.strftime('%H:%M:%S')} Error: {exc}", err=True)  # the watch goes on
                continue
            finally:
                building.clear()
                voices.built()
                return_memory()  # an idle watch should not hold the last build's peak
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
                                        yield_on_timeout=True, rust_timeout=500, stop_event=stop):
            if stop.is_set():
                break
            if voices.tick():
                return_memory()
                log.info("let the voices go after %.0f s without a build", VOICE_IDLE_S)
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
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    say("stopped")
