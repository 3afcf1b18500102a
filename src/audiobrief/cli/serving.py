"""Commands around a built show: ``serve``, ``check``, ``publish``, ``remove``, and the ``cache`` group."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .app import (
    cli,
    config_option,
    errors_to_exit_codes,
    parse_age,
    segment_cache,
    settings_from,
    status,
)
from .app import quiet as is_quiet  # serve has its own --quiet (no access log)


@cli.group()
def cache() -> None:
    """The segment cache: speech already synthesized, reused by every build.

    \b
    Examples:
      audiobrief cache info
      audiobrief cache prune --older-than 30d
    """


cache_dir_option = click.option("--cache", "cache_dir", metavar="DIR|URL",
                                help="The cache: a folder, or an fsspec URL such as s3://bucket/prefix (default: "
                                     "[cache] dir, else the user's cache folder).")


@cache.command("info")
@cache_dir_option
@config_option
@errors_to_exit_codes
def cache_info(cache_dir: Path | None, config: Path | None) -> None:
    """Where the cache is, how many segments it holds, and their size and age.

    \b
    Examples:
      audiobrief cache info
      audiobrief cache info --cache /tmp/audiobrief-cache
    """
    info = segment_cache(settings_from(config), cache_dir, False, create=False).info()
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
@errors_to_exit_codes
def cache_prune(older_than: str | None, cache_dir: Path | None, config: Path | None) -> None:
    """Delete cached segments (those unused for --older-than AGE, or all).

    \b
    Examples:
      audiobrief cache prune --older-than 30d
      audiobrief cache prune            # everything
    """
    age = parse_age(older_than) if older_than is not None else None
    store = segment_cache(settings_from(config), cache_dir, False, create=False)
    removed, freed = store.prune(age)
    status(f"Removed {removed} segment(s), {freed / 1e6:.1f} MB, from {store.location}")



@cli.command()
@click.argument("folder", default="output", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--timeout", "timeout_s", default=30.0, show_default=True, type=click.FloatRange(min=0.1), metavar="S",
              help="Seconds a client may stall before it is cut off.")
@click.option("--quiet", is_flag=True, help="No line per request.")
@errors_to_exit_codes
def serve(folder: Path, host: str, port: int, timeout_s: float, quiet: bool) -> None:
    """Serve FOLDER for podcast apps: byte ranges, HEAD, ETags, right MIME types, CORS; Ctrl-C stops.

    Logs one line per request on stderr (--quiet silences them). For HTTPS, run it behind a
    reverse proxy (see the README).

    \b
    Examples:
      audiobrief serve output
      audiobrief serve output --host 0.0.0.0 --port 8080 --quiet
    """
    from ..serve import make_server

    if not quiet and not is_quiet():
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
    status(f"Serving {folder} at {address}  (feed: {address}feed.xml, page: {address}index.html)")
    if not (folder / "feed.xml").exists():
        click.echo(f"Warning: {folder} has no feed.xml yet; run audiobrief build first.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        status("Stopped.")
    finally:
        server.server_close()


@cli.command()
@click.argument("target", default="output")
@click.option("--no-loudness", is_flag=True, help="Skip measuring loudness (the slowest check).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="Take the loudness targets from this audiobrief.toml (default: those the show was built with).")
@errors_to_exit_codes
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
    from ..check import Loudness, check_show
    from ..errors import CheckError

    if not target.startswith(("http://", "https://")) and not Path(target, "feed.xml").is_file():
        raise click.BadParameter(f"{target} is neither a feed URL nor a folder with feed.xml", param_hint="TARGET")
    loudness: bool | Loudness = not no_loudness
    if config is not None and not no_loudness:
        audio = settings_from(config).audio
        loudness = Loudness(audio.target_lufs, audio.true_peak_dbtp, f"from {config}")
    report = check_show(target, loudness=loudness)
    for problem in report.problems:
        click.echo(str(problem))
    errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
    checked = ", ".join(sorted(set(report.checked))) or "nothing (the feed could not be read)"
    summary = f"{target}: {errors} error(s), {warnings} warning(s); checked {checked}"
    if errors:
        raise CheckError(summary)
    status(f"OK {summary}")


@cli.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dest", metavar="DEST")
@click.option("--no-wait", is_flag=True, help="Fail at once if a build or publish holds either folder.")
@click.option("--storage-option", "storage_options", multiple=True, metavar="KEY=VALUE",
              help="An fsspec storage option for an object-storage DEST (endpoint_url=..., key=..., secret=...); "
                   "by default the AWS environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...) says.")
@errors_to_exit_codes
def publish(source: Path, dest: str, no_wait: bool, storage_options: tuple[str, ...]) -> None:
    """Copy the built show in SOURCE to DEST, the feed last: a static host's folder, or object storage
    (s3://bucket/prefix: only what changed is uploaded, with content types and cache headers).

    Rebuild with --base-url set to DEST's public URL first. Or use rsync: sync everything but
    feed.xml, then feed.xml.

    \b
    Examples:
      audiobrief publish output /var/www/show
      AWS_ENDPOINT_URL=https://s3.example.net audiobrief publish output s3://podcasts/show
    """
    from ..cache import is_url

    if is_url(dest):
        from ..errors import ConfigError
        from ..publishing.objects import publish_to_objects

        options = {}
        for item in storage_options:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ConfigError(f"--storage-option {item!r}: write KEY=VALUE, e.g. endpoint_url=https://s3.example.net")
            options[key] = value
        done = publish_to_objects(source, dest, options)
        status(f"Published to {dest}: {done.uploaded} uploaded, {done.unchanged} unchanged, {done.deleted} deleted")
        return
    from ..publishing.publish import publish_folder

    count = publish_folder(source, Path(dest), wait=not no_wait)
    status(f"Published {count} files to {dest}")


@cli.command()
@click.argument("guid")
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="The show folder.")
@click.option("--base-url", "base_url", metavar="URL",
              help="Public URL of the folder (default: the one recorded when it was built).")
@click.option("--move-to", "move_to", metavar="URL", help="Move the show to a new base URL on purpose.")
@click.option("--no-wait", is_flag=True, help="Fail at once if a build is changing the folder.")
@config_option
@errors_to_exit_codes
def remove(guid: str, out_dir: Path, base_url: str | None, move_to: str | None, no_wait: bool,
           config: Path | None) -> None:
    """Withdraw episode GUID (or its brief id) from the feed and delete its files.

    \b
    Examples:
      audiobrief remove seed-brief --out output
    """
    from ..pipeline import remove as remove_episode

    episode = remove_episode(out_dir, settings_from(config, base_url), guid, move_to=move_to, wait=not no_wait)
    status(f"Removed {episode.title!r} ({episode.guid}) from {out_dir / 'feed.xml'}")
