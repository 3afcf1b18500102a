"""Every command with hostile arguments: one clear line (or click's usage error), never a traceback.

Missing, special and unwritable paths, files where folders belong and folders where files belong,
wrong types and nonsense values. A crash shows as "Traceback" (a real process) or as an exception
the CLI did not handle (CliRunner); the CLI's last-resort "internal error" line counts as a failure
too, since it means a bug reached the user.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobrief.cli import cli

from .conftest import EXAMPLES, ROOT

SEED = str(EXAMPLES / "seed-brief.txt")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("hostile")
    (root / "folder").mkdir()
    (root / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (root / "bad.toml").write_text("[engine]\nname = 3\n[limits]\nmax_items = -1\n")
    (root / "not-a-show").mkdir()
    (root / "not-a-show" / "feed.xml").write_text("<rss><channel><item>")
    (root / "store-broken").mkdir()
    (root / "store-broken" / "episodes.json").write_text("{not json")
    (root / "templates").mkdir()
    (root / "templates" / "intro.txt.j2").write_text("{{ undefined_variable }} {% if %}")
    paths = {name: str(root / name) for name in ("folder", "not-a-show", "store-broken", "templates")}
    return paths | {"binary": str(root / "binary.bin"), "badtoml": str(root / "bad.toml"),
                    "missing": str(root / "missing" / "x")}


CASES = [
    # build
    ["build"],
    ["build", "{missing}"],
    ["build", "/dev/null"],
    ["build", "{folder}"],
    ["build", "{binary}"],
    ["build", SEED, "--out", "/proc/sys/audiobrief"],
    ["build", SEED, "--out", "/dev/null"],
    ["build", SEED, "--out", "/sys/audiobrief"],
    ["build", SEED, "--out", "{binary}"],
    ["build", SEED, "--out", "{store-broken}", "--engine", "fake"],
    ["build", SEED, "--config", "{missing}"],
    ["build", SEED, "--config", "/dev/null/x"],
    ["build", SEED, "--config", "{folder}"],
    ["build", SEED, "--config", "{binary}"],
    ["build", SEED, "--config", "{badtoml}"],
    ["build", SEED, "--templates", "{missing}", "--engine", "fake", "--out", "{folder}/t1"],
    ["build", SEED, "--templates", "{templates}", "--engine", "fake", "--out", "{folder}/t2"],
    ["build", SEED, "--templates", "/dev/null", "--engine", "fake", "--out", "{folder}/t3"],
    ["build", SEED, "--cache", "/dev/null", "--engine", "fake", "--out", "{folder}/c1"],
    ["build", SEED, "--cache", "/proc/sys/audiobrief", "--engine", "fake", "--out", "{folder}/c2"],
    ["build", SEED, "--engine", "nope"],
    ["build", SEED, "--engine", ""],
    ["build", SEED, "--jobs", "0"],
    ["build", SEED, "--jobs", "many"],
    ["build", SEED, "--date", "someday"],
    ["build", SEED, "--keep", "-1"],
    ["build", SEED, "--base-url", "ftp://example.org/", "--engine", "fake", "--out", "{folder}/u1"],
    ["build", SEED, "--move-to", "not a url", "--engine", "fake", "--out", "{folder}/u2"],
    ["build", SEED, "--max-minutes", "-3"],
    ["build", SEED, "--max-minutes", "0.01", "--engine", "fake", "--out", "{folder}/m"],
    ["build", SEED, "--language", "english!"],
    ["build", SEED, "--language", "fr", "--engine", "fake", "--out", "{folder}/l1"],
    ["build", SEED, "--language", "zz", "--out", "{folder}/l2"],
    ["build", SEED, "--language", "es", "--engine", "piper", "--out", "{folder}/l3"],
    # script
    ["script", "{missing}"],
    ["script", "/dev/null"],
    ["script", "{folder}"],
    ["script", "{binary}"],
    ["script", SEED, "--format", "xml"],
    ["script", SEED, "--templates", "{templates}"],
    ["script", SEED, "--config", "{badtoml}"],
    ["script", SEED, "--language", "zz"],
    # cache
    ["cache", "info", "--cache", "/dev/null"],
    ["cache", "info", "--config", "{badtoml}"],
    ["cache", "prune", "--older-than", "soon"],
    ["cache", "prune", "--cache", "/dev/null"],
    ["cache", "prune", "--cache", "{binary}"],
    # serve (only failures: a server that starts would serve forever)
    ["serve", "{missing}"],
    ["serve", "{binary}"],
    ["serve", "{folder}", "--port", "99999"],
    ["serve", "{folder}", "--host", "256.1.1.1"],
    ["serve", "{folder}", "--host", "no-such-host.invalid"],
    ["serve", "{folder}", "--timeout", "0"],
    # check
    ["check", "{missing}"],
    ["check", "/dev/null"],
    ["check", "{not-a-show}"],
    ["check", "http://127.0.0.1:1/feed.xml"],
    ["check", "{not-a-show}", "--config", "{badtoml}"],
    # publish
    ["publish", "{missing}", "{folder}/p"],
    ["publish", "{folder}", "{folder}/p"],
    ["publish", "{not-a-show}", "/dev/null"],
    ["publish", "{not-a-show}", "/proc/sys/audiobrief"],
    # remove
    ["remove", "x", "--out", "{missing}"],
    ["remove", "x", "--out", "/dev/null"],
    ["remove", "x", "--out", "{store-broken}"],
    ["remove", "x", "--out", "{not-a-show}"],
    # say
    ["say"],
    ["say", "..."],
    ["say", "hello", "--voice", "nope:x"],
    ["say", "hello", "--voice", "fake:tone", "-o", "/proc/sys/x.wav"],
    ["say", "hello", "--voice", "hibari:nobody"],
    ["say", "hello", "--language", "zz"],
    ["say", "hello", "--language", "!!"],
    # engines
    ["engines", "--language", "@@"],
    # top level
    ["no-such-command"],
    ["--no-such-option"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_hostile_arguments_get_one_clear_line_never_a_traceback(hostile: dict[str, str], args: list[str]) -> None:
    argv = [a.format_map(hostile) if "{" in a else a for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unhandled {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert result.exit_code in (1, 2), result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    if result.exit_code == 1 and args[0] == "check":
        assert lines[-1].startswith("Error: "), result.output  # a report (maybe), then its verdict in one line
    elif result.exit_code == 1:
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    else:
        assert lines[-1].startswith("Error: "), result.output  # click's usage error


def test_a_real_process_prints_no_traceback_either(tmp_path: Path) -> None:
    for args in (["build", "/dev/null"], ["build", SEED, "--out", "/proc/sys/x", "--engine", "fake"],
                 ["check", "/dev/null"], ["serve", str(tmp_path), "--port", "99999"]):
        run = subprocess.run([sys.executable, "-m", "audiobrief", *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
        assert run.returncode in (1, 2) and "Traceback" not in run.stderr + run.stdout, run.stderr
