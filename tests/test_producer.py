"""The producer's day: init a show, audition, and a folder that builds itself (watch)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
from click.testing import CliRunner

from audiobrief.cli import cli
from audiobrief.config import load_settings

from .conftest import DATA, ROOT


def test_init_scaffolds_a_show_that_builds_and_never_overwrites(tmp_path: Path) -> None:
    show = tmp_path / "show"
    result = CliRunner().invoke(cli, ["init", str(show), "--title", 'Dawn "News"', "--author", "Desk", "--language", "es"])
    assert result.exit_code == 0, result.output
    settings = load_settings(show / "audiobrief.toml")  # the commented file is valid and says what we asked
    assert (settings.show.title, settings.show.author, settings.show.language) == ('Dawn "News"', "Desk", "es")
    assert "# max_minutes = 120" in (show / "audiobrief.toml").read_text()
    assert (show / "briefs" / "example-brief.txt").is_file() and (show / "templates" / "intro.txt.j2").is_file()
    (show / "templates" / "intro.txt.j2").write_text("{# mine #}Hello from {{ show.title }}.\n")
    again = CliRunner().invoke(cli, ["init", str(show)])
    assert again.exit_code == 0 and "0 file(s) created, 10 kept" in again.output
    assert (show / "templates" / "intro.txt.j2").read_text().startswith("{# mine #}")
    build = CliRunner().invoke(cli, ["build", str(show / "briefs"), "--out", str(show / "output"), "--engine", "fake",
                                     "--config", str(show / "audiobrief.toml"), "--templates", str(show / "templates")])
    assert build.exit_code == 0, build.output


def test_init_refuses_a_bad_language_or_url_as_usage_errors(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "a"), "--language", "english!"]).exit_code == 2
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "b"), "--base-url", "ftp://x"]).exit_code == 2


def _episodes(feed: Path) -> int:
    return len(feedparser.parse(str(feed)).entries) if feed.exists() else 0


def test_watch_builds_dropped_briefs_survives_a_bad_one_and_stops_cleanly(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    briefs.mkdir()
    shutil.copy(DATA / "briefs" / "facts-only.txt", briefs)
    proc = subprocess.Popen([sys.executable, "-m", "audiobrief", "watch", str(briefs), "--out", str(out), "--engine",
                             "fake", "--debounce", "200"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        assert "facts-only.txt: built" in lines[0] and "watching" in lines[1], lines
        (briefs / "bad.json").write_text("{not json")
        shutil.copy(DATA / "briefs" / "one-narrative.txt", briefs)
        deadline = time.monotonic() + 30
        while _episodes(out / "feed.xml") < 2:
            assert time.monotonic() < deadline, "the dropped brief was not built"
            time.sleep(0.2)
    finally:
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert "bad.json" in stderr and "not valid JSON" in stderr  # reported, and the watch went on
    assert stdout.rstrip().endswith("stopped")


def test_build_json_prints_the_result_for_scripts_and_quiet_prints_nothing(tmp_path: Path) -> None:
    import json

    brief = DATA / "briefs" / "facts-only.txt"
    result = CliRunner().invoke(cli, ["build", str(brief), "--out", str(tmp_path), "--engine", "fake", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["feed_episodes"] == 1 and data["episodes"][0]["brief_id"] == "facts-only"
    assert data["feed_url"] == "http://127.0.0.1:8000/feed.xml" and data["segments"]["synthesized"] > 0
    quiet = CliRunner().invoke(cli, ["-q", "build", str(brief), "--out", str(tmp_path), "--engine", "fake"])
    assert quiet.exit_code == 0 and quiet.output == ""


def _commands(group, prefix: str = ""):  # type: ignore[no-untyped-def]
    import click

    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_command_has_help_with_an_example_every_option_has_help_and_the_readme_names_it() -> None:
    import click

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    problems = []
    for name, command in _commands(cli):
        if "Examples:" not in (command.help or ""):
            problems.append(f"{name}: no Examples: in its help")
        problems += [f"{name} {option.opts[0]}: no help text" for option in command.params
                     if isinstance(option, click.Option) and not option.help]
        if f"audiobrief {name}" not in readme:
            problems.append(f"{name}: not in the README")
    assert problems == []
    assert "Quick start:" in CliRunner().invoke(cli, ["--help"]).output  # the top level shows its examples as a quick start
