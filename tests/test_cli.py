"""The command line, and one real end-to-end build with the default voice."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from mutagen.mp3 import MP3

from audiobrief.cli import cli

from .conftest import EXAMPLES, ROOT, needs_ffprobe

HEAVY = ("onnxruntime", "piper", "pydub", "gtts", "numpy", "feedgen", "PIL", "mutagen")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom audiobrief.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "build" in out and "engines" in out
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", ["build", "script", "engines"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 100


def test_script_prints_speakable_attributed_text() -> None:
    result = CliRunner().invoke(cli, ["script", str(EXAMPLES / "seed-brief.txt"), "--date", "2023-09-13"])
    assert result.exit_code == 0, result.output
    assert "Wednesday.1" not in result.output and "0:00" not in result.output
    spoken = result.output.rsplit("\n-- ", 1)[0]  # the footer counts words and minutes
    assert not re.search(r"[a-z.'\u2019]\d", spoken)
    assert "as provided by Guardian:" in result.output and "as provided by TASS:" in result.output


def test_script_json_shows_what_was_understood() -> None:
    result = CliRunner().invoke(cli, ["script", str(EXAMPLES / "seed-brief.txt"), "--format", "json"])
    doc = json.loads(result.output)
    assert [n["outlet"] for n in doc["brief"]["narratives"]] == ["Guardian", "TASS"]
    assert doc["segments"][-1]["kind"] == "outro"


def test_bad_brief_exits_1_with_a_one_line_reason(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    result = CliRunner().invoke(cli, ["build", str(bad), "--out", str(tmp_path / "out"), "--engine", "fake"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}: is empty; a brief needs a headline, facts and narratives"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["build"]).exit_code == 2
    assert CliRunner().invoke(cli, ["script", str(EXAMPLES / "seed-brief.txt"), "--date", "soon"]).exit_code == 2


def test_unknown_engine_and_bad_config_are_clear(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(EXAMPLES / "seed-brief.txt"), "--out", str(tmp_path), "--engine", "nope"])
    assert result.exit_code == 2 and "unknown engine 'nope'" in result.output  # a usage error
    result = CliRunner().invoke(cli, ["build", str(EXAMPLES / "seed-brief.txt"), "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "does not exist" in result.output
    config = tmp_path / "audiobrief.toml"
    config.write_text("[show]\ntitel = 'typo'\n")
    result = CliRunner().invoke(cli, ["script", str(EXAMPLES / "seed-brief.txt"), "--config", str(config)])
    assert result.exit_code == 1 and "unknown key in [show]: titel; known keys: title," in result.output


def test_engines_lists_the_default_and_the_fallback_as_ready() -> None:
    result = CliRunner().invoke(cli, ["engines"])
    assert result.exit_code == 0
    assert re.search(r"^ok +hibari .*\(default\)$", result.output, re.M)
    assert re.search(r"^ok +piper .*\(the fallback\)$", result.output, re.M)
    assert "gtts" in result.output


@pytest.mark.slow
@needs_ffprobe
def test_real_end_to_end_build_with_the_default_voice(tmp_path: Path) -> None:
    out = tmp_path / "show"
    result = subprocess.run(
        [sys.executable, "-m", "audiobrief", "build", str(EXAMPLES / "seed-brief.txt"), "--out", str(out),
         "--base-url", "http://127.0.0.1:8000/"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Feed:" in result.stdout and "Episode:" in result.stdout
    feed_xml = (out / "feed.xml").read_bytes()
    assert feedparser.parse(feed_xml).bozo == 0
    pod = podcastparser.parse("http://127.0.0.1:8000/feed.xml", io.BytesIO(feed_xml))
    (episode,) = pod["episodes"]
    mp3 = out / episode["enclosures"][0]["url"].rsplit("/", 1)[1]
    assert episode["enclosures"][0]["file_size"] == mp3.stat().st_size
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-show_entries", "format=duration:stream=codec_name,sample_rate,channels",
         "-of", "json", str(mp3)], capture_output=True, text=True, check=True).stdout)
    duration_s = float(probe["format"]["duration"])
    assert abs(episode["total_time"] - duration_s) <= 1
    assert probe["streams"][0] == {"codec_name": "mp3", "sample_rate": "44100", "channels": 1}
    titles = [c["tags"]["title"] for c in probe["chapters"]]
    assert len(titles) == 5
    assert titles[1:] == ["The facts", "Pro-establishment narrative (Guardian)", "Pro-Russia narrative (TASS)",
                          "Sources and credits"]
    starts = [float(c["start_time"]) for c in probe["chapters"]]
    assert starts == sorted(starts)
    # broadcast loudness on the real voice, measured on the published file
    from audiobrief.ffmpeg import measure_loudness

    loudness = measure_loudness(mp3)
    assert -17.0 <= loudness.integrated_lufs <= -15.0 and loudness.true_peak_dbtp <= -2.0, loudness
    # chapters: ffprobe, mutagen (ID3 CHAP), JSON chapters and psc in the feed agree within 10 ms
    from mutagen.id3 import ID3

    id3_starts = [c.start_time for c in ID3(mp3).getall("CHAP")]
    json_starts = [c["startTime"] * 1000 for c in json.loads(next(mp3.parent.glob("*.chapters.json")).read_text())["chapters"]]
    probe_starts = [float(c["start_time"]) * 1000 for c in probe["chapters"]]
    for a, b, c in zip(id3_starts, json_starts, probe_starts, strict=True):
        assert abs(a - b) <= 10 and abs(a - c) <= 10
    # the checker passes the real example build (loudness included)
    check = subprocess.run([sys.executable, "-m", "audiobrief", "check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "OK " in check.stdout and "loudness" in check.stdout
    # speech of a plausible length for the script: 130-200 words a minute
    words = len(next(out.glob("*.txt")).read_text().split())
    wpm = words / (MP3(mp3).info.length / 60)
    assert 130 <= wpm <= 200, wpm
    # an unchanged rebuild loads no model, synthesizes and encodes nothing; the bytes stay; and a
    # build into another folder takes every segment from the cache, still without loading a model
    from audiobrief.cache import SegmentCache, default_cache_dir
    from audiobrief.config import Settings
    from audiobrief.pipeline import build
    from audiobrief.tts.hibari import loaded_voices as hibari_voices
    from audiobrief.tts.piper import loaded_voices as piper_voices

    audio = mp3.read_bytes()
    again = build([EXAMPLES / "seed-brief.txt"], out, Settings(), cache=SegmentCache(default_cache_dir()))
    assert again.unchanged == ("seed-brief",) and mp3.read_bytes() == audio and (out / "feed.xml").read_bytes() == feed_xml
    elsewhere = build([EXAMPLES / "seed-brief.txt"], tmp_path / "other", Settings(),
                      cache=SegmentCache(default_cache_dir()))
    assert elsewhere.segments_synthesized == 0 and elsewhere.segments_cached == 12
    assert elsewhere.episodes[0].audio_file == mp3.name, "same speech, same mastering: the same bytes"
    assert hibari_voices() == piper_voices() == 0


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[show]\nexplicit = "no"\n', '[show] explicit = \'no\': expected true or false'),
        ('[audio]\nbitrate_kbps = "96"\n', "[audio] bitrate_kbps = '96': expected a whole number"),
        ("[show]\ntitle = 3\n", "[show] title = 3: expected a quoted string"),
    ],
)
def test_config_values_of_the_wrong_type_are_named(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "audiobrief.toml"
    config.write_text(toml)
    result = CliRunner().invoke(cli, ["script", str(EXAMPLES / "seed-brief.txt"), "--config", str(config)])
    assert result.exit_code == 1 and message in result.output


def test_numbers_are_fine_where_a_float_is_expected(tmp_path: Path) -> None:
    from audiobrief.config import load_settings

    config = tmp_path / "audiobrief.toml"
    config.write_text("[audio]\ntarget_lufs = -16\n")
    assert load_settings(config).audio.target_lufs == -16


def test_two_briefs_with_one_id_are_refused_before_synthesis(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "same.txt").write_text("Headline\nFacts\n- A fact.\n")
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "a" / "same.txt"), str(tmp_path / "b" / "same.txt"),
                                      "--out", str(tmp_path / "out"), "--engine", "fake"])
    assert result.exit_code == 1
    assert "same id 'same'" in result.output and "rename one file" in result.output
    assert not (tmp_path / "out" / "feed.xml").exists()


@pytest.mark.parametrize("out", ["/proc/sys/audiobrief-show", "/dev/null", "/dev/null/show"])
def test_an_unusable_output_folder_is_one_line_not_a_traceback(out: str) -> None:
    result = CliRunner().invoke(cli, ["build", str(EXAMPLES / "seed-brief.txt"), "--out", out, "--engine", "fake"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), "handled, not crashed"
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {out}:") and "--out" in line


def test_a_base_url_that_is_not_a_url_string_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "audiobrief.toml"
    config.write_text("base_url = 123\n")
    result = CliRunner().invoke(cli, ["build", str(EXAMPLES / "seed-brief.txt"), "--config", str(config),
                                      "--engine", "fake", "--out", str(tmp_path / "show")])
    assert result.exit_code == 1 and "base_url = 123: expected a quoted http:// or https:// URL" in result.output


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "Traceback" not in result.output


def test_say_writes_the_spoken_text_as_wav_for_auditions(tmp_path: Path) -> None:
    import wave

    out = tmp_path / "audition.wav"
    result = CliRunner().invoke(cli, ["say", "The", "$2", "toll", "--voice", "fake:tone", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Said: The 2 dollar toll" in result.output and str(out) in result.output
    with wave.open(str(out)) as handle:
        assert handle.getnframes() / handle.getframerate() == pytest.approx(4 * 0.4, abs=0.01)  # 4 words, 400 ms each
    result = CliRunner().invoke(cli, ["say", "hello", "--voice", "fake:tone", "-o", str(tmp_path / "no" / "x.wav")])
    assert result.exit_code == 1 and "cannot write the WAV file" in result.output


@pytest.mark.slow
def test_the_readme_shows_exactly_what_the_demo_prints(tmp_path: Path) -> None:
    import shlex

    demo = (ROOT / "scripts" / "demo").read_text()
    command = demo.split("exec .venv/bin/audiobrief ", 1)[1].split('"$@"', 1)[0].replace("\\\n", " ")
    args = [a.replace("${BASE_URL:-http://127.0.0.1:8000/}", "http://127.0.0.1:8000/")
            for a in shlex.split(command)]
    args[args.index("--out") + 1] = str(tmp_path / "output")
    run = subprocess.run([sys.executable, "-m", "audiobrief", *args], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "AUDIOBRIEF_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 0, run.stderr
    printed = run.stdout.replace(str(tmp_path / "output"), "output")
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("`scripts/demo` ends by printing where the episode and the feed are:\n\n```\n", 1)[1]
    assert shown.split("```", 1)[0] == printed
