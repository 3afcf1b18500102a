"""The producer's day: init a show, audition, and a folder that builds itself (watch)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
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
    intro = show / "templates" / "es" / "intro.txt.j2"  # the show's language's templates, to edit
    assert (show / "briefs" / "example-brief.txt").is_file() and "Esto es" in intro.read_text()
    assert settings.templates_dir == show / "templates"
    intro.write_text("{# mine #}Hola desde {{ show.title }}.\n")
    again = CliRunner().invoke(cli, ["init", str(show)])
    assert again.exit_code == 0 and "0 file(s) created, 11 kept" in again.output
    assert intro.read_text().startswith("{# mine #}")
    build = CliRunner().invoke(cli, ["build", str(show / "briefs"), "--out", str(show / "output"), "--engine", "fake",
                                     "--config", str(show / "audiobrief.toml"), "--json"])
    assert build.exit_code == 0, build.output
    text = (show / "output" / json.loads(build.stdout)["episodes"][0]["transcripts"]["text"]).read_text()
    assert 'Hola desde Dawn News.' in text  # the producer's template, found through the config's templates key


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
        shutil.copy(DATA / "refused" / "pure-chrome.txt", briefs)  # a page of chrome: refused, never published
        shutil.copy(DATA / "briefs" / "one-narrative.txt", briefs)
        deadline = time.monotonic() + 30
        while _episodes(out / "feed.xml") < 2:
            assert time.monotonic() < deadline, "the dropped brief was not built"
            time.sleep(0.2)
    finally:
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = _communicate(proc)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert "bad.json" in stderr and "not valid JSON" in stderr  # reported, and the watch went on
    assert "pure-chrome.txt" in stderr and "only page chrome" in stderr
    assert _episodes(out / "feed.xml") == 2 and "Tidewater" not in (out / "feed.xml").read_text()
    assert stdout.rstrip().endswith("stopped")


def _communicate(proc: subprocess.Popen[str], timeout_s: float = 20) -> tuple[str, str]:
    """The process's output once it exits; killed (and the test failed) when it does not exit in time."""
    try:
        return proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"still running {timeout_s} s after the signal:\n{stdout}\n{stderr}")


def test_watch_stopped_mid_build_finishes_that_brief_and_a_second_signal_stops_at_once(tmp_path: Path) -> None:
    briefs, out, cache = tmp_path / "briefs", tmp_path / "out", tmp_path / "cache"
    briefs.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "AUDIOBRIEF_CACHE_DIR": str(cache), "AUDIOBRIEF_FAKE_LATENCY_MS": "400"}
    proc = subprocess.Popen([sys.executable, "-m", "audiobrief", "watch", str(briefs), "--out", str(out), "--engine",
                             "fake", "--debounce", "100", "--jobs", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        assert "watching" in proc.stdout.readline()
        shutil.copy(DATA / "briefs" / "facts-only.txt", briefs)
        deadline = time.monotonic() + 30
        while not any(p.is_file() for p in cache.rglob("*")):  # a segment spoken: the build is under way
            assert time.monotonic() < deadline, "the dropped brief was not built"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)  # what a service manager sends
        stdout, stderr = _communicate(proc)
    assert proc.returncode == 0, stderr
    assert "stopping after this brief" in stderr and "Traceback" not in stdout + stderr
    assert "facts-only.txt: built" in stdout and stdout.rstrip().endswith("stopped")
    assert _episodes(out / "feed.xml") == 1  # the brief being built was published whole

    shutil.rmtree(cache)
    (briefs / "facts-only.txt").unlink()
    shutil.copy(DATA / "briefs" / "one-narrative.txt", briefs)
    proc = subprocess.Popen([sys.executable, "-m", "audiobrief", "watch", str(briefs), "--out", str(out), "--engine",
                             "fake", "--jobs", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while not any(p.is_file() for p in cache.rglob("*")):
            assert time.monotonic() < deadline, "the brief was not built"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)  # the impatient producer
        stdout, stderr = _communicate(proc)
    assert proc.returncode == 0, stderr
    assert "one-narrative.txt: built" not in stdout and stdout.rstrip().endswith("stopped")
    assert "Traceback" not in stdout + stderr
    assert _episodes(out / "feed.xml") == 1  # the feed as it was: nothing half-published


def test_watch_keeps_its_voice_loaded_from_one_edit_to_the_next(tmp_path: Path) -> None:
    """The default voice is loaded once, for the first brief, and speaks the producer's edits without loading again."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    briefs.mkdir()
    brief = briefs / "library.txt"
    text = (DATA / "briefs" / "facts-only.txt").read_text(encoding="utf-8")
    brief.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "AUDIOBRIEF_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "audiobrief", "-v", "watch", str(briefs), "--out", str(out),
                             "--debounce", "100"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout is not None
        assert "library.txt: built" in proc.stdout.readline()
        assert "watching" in proc.stdout.readline()
        for edit in ("on Saturdays", "on weekdays"):  # each edit a sentence nothing has spoken yet
            text = re.sub(r"on (Sundays|Saturdays|weekdays)", edit, text, count=1)
            brief.write_text(text, encoding="utf-8")
            assert "library.txt: built" in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = _communicate(proc)
    assert proc.returncode == 0, stderr
    assert stderr.count("loading hibari voice heart") == 1, stderr
    assert _episodes(out / "feed.xml") == 1 and "weekdays" in next(out.glob("library-*.txt")).read_text()


def test_a_watch_lets_its_voices_go_once_idle() -> None:
    from audiobrief.cli.building import IdleVoices

    now = [0.0]
    released: list[float] = []
    voices = IdleVoices(300, lambda: released.append(now[0]) or 1, clock=lambda: now[0])
    assert voices.tick() == 0  # nothing built yet: nothing to let go
    voices.built()
    now[0] = 299.0
    assert voices.tick() == 0 and released == []
    voices.built()  # another build: the wait starts again
    now[0] = 598.0
    assert voices.tick() == 0
    now[0] = 599.0
    assert voices.tick() == 1 and released == [599.0]
    now[0] = 2000.0
    assert voices.tick() == 0 and released == [599.0]  # let go once


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


def test_the_readme_command_reference_names_every_option_as_the_cli_does() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from cli_reference import reference
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- cli-reference -->\n", 1)[1].split("<!-- /cli-reference -->", 1)[0]
    generated = reference()
    assert generated in section, "README's command reference is stale: run scripts/cli_reference.py and paste it"
    import click

    for name, command in _commands(cli):
        for option in command.params:
            if isinstance(option, click.Option):
                assert f"{option.opts[-1]}" in generated, (name, option.opts)


# --- languages and voices ----------------------------------------------------------------------------------

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
SPANISH = DATA / "es" / "puertos.txt"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 1}


@needs_espeak
def test_a_spanish_show_end_to_end_through_the_cli(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    show = tmp_path / "programa"
    made = CliRunner().invoke(cli, ["init", str(show), "--title", "Puertos Hoy", "--author", "Redacción",
                                    "--language", "es"])
    assert made.exit_code == 0, made.output
    shutil.copy(SPANISH, show / "briefs")
    (show / "briefs" / "example-brief.txt").unlink()
    config = str(show / "audiobrief.toml")
    out = show / "output"
    result = CliRunner(mix_stderr=False).invoke(cli, ["build", str(show / "briefs"), "--out", str(out), "--config", config, "--json",
                                      "--date", "2023-10-03", "--no-cache"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Nobody configured a voice: Piper has none for Spanish, so espeak-ng's Spanish voice reads it,
    # the narratives in audibly different variants of it, and the build says so in one line.
    assert data["voices"]["es"] == {"host": "espeak:es", "narratives": ["espeak:es+f3", "espeak:es+f4"], "labels": {}}
    assert "no hibari voice speaks 'es'; speaking it with espeak's voice 'es'" in caplog.text
    listed = subprocess.run(["espeak-ng", "--voices=es"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^\s*\d+\s+es\s", listed, re.M), "espeak-ng's voice 'es' is its Spanish voice"

    episode = data["episodes"][0]
    transcript = (out / episode["transcripts"]["text"]).read_text(encoding="utf-8")
    # No English template word: every word the English templates add to this very brief is absent.
    english = CliRunner().invoke(cli, ["script", str(SPANISH), "--language", "en", "--date", "2023-10-03"])
    template_words = _words(english.output) - _words(SPANISH.read_text(encoding="utf-8"))
    template_words -= {"narrative", "words", "minutes", "about", "at", "minute", "host", "chapter"}  # the listing's own
    assert {"first", "facts", "happened", "sources", "synthetic", "tuesday"} <= template_words  # the check can fail
    assert _words(transcript) & template_words == set()
    assert "Esto es Puertos Hoy, martes, 3 de octubre de 2023." in transcript
    assert [c["title"] for c in episode["chapters"]][-1] == "Fuentes y créditos"
    vtt = (out / episode["transcripts"]["vtt"]).read_text(encoding="utf-8")
    assert "<v Presentador>" in vtt and "<v Narrador>" in vtt and "<v Host>" not in vtt

    feed = feedparser.parse(str(out / "feed.xml"))
    assert feed.bozo == 0 and feed.feed.language == "es"
    assert "Los hechos:" in feed.entries[0].summary and "The facts" not in feed.entries[0].summary
    assert '<html lang="es">' in (out / "index.html").read_text(encoding="utf-8")
    from mutagen.id3 import ID3

    assert str(ID3(out / episode["audio_file"])["TLAN"]) == "spa"


def test_voices_per_role_label_and_turn_reach_the_audio(tmp_path: Path) -> None:
    import numpy as np
    from pedalboard.io import AudioFile

    from audiobrief.tts.fake import FakeEngine

    config = tmp_path / "audiobrief.toml"
    config.write_text('[voices]\nhost = "fake:anchor"\nnarrative = ["fake:left", "fake:right"]\n'
                      'labels = { "pro-russia" = "fake:moscow" }\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(ROOT / "examples" / "seed-brief.txt"), "--out", str(tmp_path / "o"),
                                      "--config", str(config), "--json", "--no-cache"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["voices"]["en"]["labels"] == {"pro-russia": "fake:moscow"}
    episode = data["episodes"][0]
    with AudioFile(str(tmp_path / "o" / episode["audio_file"])) as audio:
        samples, rate = audio.read(audio.frames)[0], audio.samplerate

    def pitch(chapter: dict) -> float:  # the strongest frequency in the middle second of a chapter
        middle = (chapter["start_ms"] + chapter["end_ms"]) / 2000
        window = samples[int((middle - 0.5) * rate):int((middle + 0.5) * rate)]
        spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
        return float(np.argmax(spectrum) * rate / len(window))

    expected = {"The facts": "anchor", "Pro-establishment narrative (Guardian)": "left",
                "Pro-Russia narrative (TASS)": "moscow"}
    chapters = {c["title"]: c for c in episode["chapters"]}
    for title, voice in expected.items():
        assert abs(pitch(chapters[title]) - FakeEngine(voice).frequency_hz) < 3, (title, voice)
    pitches = sorted(FakeEngine(v).frequency_hz for v in expected.values())
    assert min(b / a for a, b in zip(pitches, pitches[1:])) > 1.2  # three voices a listener tells apart


def _median_f0(pcm: bytes, rate: int) -> float:
    import numpy as np

    x = np.frombuffer(pcm, "<i2").astype(float)
    frame = int(0.04 * rate)
    found = []
    for i in range(0, len(x) - frame, frame // 2):
        s = x[i:i + frame] - x[i:i + frame].mean()
        if np.sqrt(np.mean(s * s)) < 500:
            continue
        ac = np.correlate(s, s, "full")[frame - 1:]
        low, high = rate // 400, rate // 70
        lag = low + int(np.argmax(ac[low:high]))
        if ac[lag] > 0.3 * ac[0]:
            found.append(rate / lag)
    return float(np.median(found))


@needs_espeak
def test_espeak_narrative_voices_are_audibly_different_from_the_host() -> None:
    from audiobrief.config import Settings
    from audiobrief.pipeline import Voicing
    from audiobrief.voices import voice_key

    voicing = Voicing(Settings(), "espeak")
    cast = voicing.cast("es")
    assert cast is not None
    sentence = "Los dos gobiernos dijeron que la cumbre fue un éxito para ambos países."
    pitches = []
    for key in (cast.host, *cast.narratives):
        chunks = list(voicing.engines[voice_key(key)].synthesize(sentence))
        pitches.append(_median_f0(b"".join(c.pcm for c in chunks), chunks[0].sample_rate_hz))
    host, *narrators = pitches
    assert all(abs(p - host) / host > 0.4 for p in narrators), pitches  # measured: 104 Hz against 218 and 184 Hz
    assert abs(narrators[0] - narrators[1]) > 15, pitches


def test_a_language_nothing_here_speaks_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    from audiobrief.config import Settings
    from audiobrief.errors import NoVoiceError
    from audiobrief.voices import cast_for

    with pytest.raises(NoVoiceError, match=r"nothing installed here speaks the language 'zz': (espeak-ng has no voice|install espeak-ng).*Piper"):
        cast_for(Settings(), "zz")
    brief = tmp_path / "b.json"
    brief.write_text(json.dumps({"title": "Titre", "facts": ["Le conseil s'est réuni."], "language": "zz"}))
    result = CliRunner().invoke(cli, ["build", str(brief), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "nothing installed here speaks the language 'zz'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o" / "feed.xml").exists()


def test_a_language_without_templates_names_the_folder_to_add(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(SPANISH), "--language", "fr", "--engine", "fake",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no templates for the language 'fr'" in result.output and "templates/fr" in result.output
    (tmp_path / "t" / "fr").mkdir(parents=True)
    for path in (ROOT / "src" / "audiobrief" / "templates" / "script" / "en").iterdir():
        shutil.copy(path, tmp_path / "t" / "fr")
    (tmp_path / "t" / "fr" / "intro.txt.j2").write_text("Voici {{ show.title }}, le {{ date }}.")
    ok = CliRunner().invoke(cli, ["script", str(SPANISH), "--language", "fr", "--templates", str(tmp_path / "t"),
                                  "--date", "2023-10-03"])
    assert ok.exit_code == 0, ok.output
    assert "Voici audiobrief, le mardi 3 octobre 2023." in ok.output  # Babel's French date


@needs_espeak
def test_say_in_spanish_shows_the_spoken_text_and_uses_a_spanish_voice(tmp_path: Path) -> None:
    out = tmp_path / "s.wav"
    result = CliRunner(mix_stderr=False).invoke(cli, ["say", "El Sr. Duarte llegó a las 5.", "--language", "es", "--show-text",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "El señor Duarte llegó a las 5."
    assert ": " in result.stderr and " s, espeak es" in result.stderr and out.stat().st_size > 10_000


def test_engines_says_which_voice_speaks_a_language() -> None:
    result = CliRunner().invoke(cli, ["engines", "--language", "es"])
    assert result.exit_code == 0, result.output
    assert "A build in es: host" in result.output
    piper = result.output.split("piper", 1)[1]
    assert "es: no voice for this language" in piper.split("\n\n")[0]


def test_verbose_build_prints_timings_per_stage(tmp_path: Path) -> None:
    result = CliRunner(mix_stderr=False).invoke(cli, ["-v", "build", str(DATA / "briefs" / "facts-only.txt"), "--out", str(tmp_path),
                                      "--engine", "fake", "--no-cache"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stderr.splitlines() if line.startswith("Timings:"))
    assert all(f"{stage} " in line for stage in ("read and plan", "speak", "master", "publish")), line
    assert re.search(r"total \d+\.\d\d s$", line)


def _tty_build(tmp_path: Path, env: dict[str, str]) -> bytes:
    """Run a build with stderr on a pseudo-terminal (where the live progress bar shows) and return what it drew."""
    import pty

    out = tmp_path / f"o{len(env)}"
    main, terminal = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen([sys.executable, "-m", "audiobrief", "build", str(DATA / "briefs" / "one-narrative.txt"),
                             "--out", str(out), "--engine", "fake", "--no-cache"], stdin=terminal, stdout=terminal,
                            stderr=terminal, cwd=ROOT, env={**environment, "TERM": "xterm-256color", **env})
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the terminal's last user exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert proc.wait(timeout=60) == 0, b"".join(chunks)[-2000:]
    return b"".join(chunks)


def test_progress_on_a_terminal_has_colour_unless_no_color(tmp_path: Path) -> None:
    colour = re.compile(rb"\x1b\[[0-9;]*(?:3[0-8]|9[0-7])[0-9;]*m")
    assert colour.search(_tty_build(tmp_path, {}))  # the live bar is coloured on a terminal
    plain = _tty_build(tmp_path, {"NO_COLOR": "1"})
    assert b"Speaking" in plain and not colour.search(plain)
    assert b"segments" in plain and b"episodes 0/1" in plain and b"ETA" in plain  # segments, episodes, estimate


def test_the_scaffolded_config_names_every_key_of_the_schema() -> None:
    import dataclasses
    import typing

    from audiobrief.config import _File

    text = (ROOT / "src" / "audiobrief" / "scaffold" / "audiobrief.toml.in").read_text(encoding="utf-8")
    missing = []

    def walk(cls: type, table: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            kind = hints[f.name]
            if isinstance(kind, type) and dataclasses.is_dataclass(kind):
                walk(kind, f"{table}.{f.name}" if table else f.name)
                continue
            if table and not re.search(rf"^#? ?\[{re.escape(table)}\]", text, re.M):
                missing.append(f"[{table}]")
            if typing.get_origin(kind) is dict and not table:  # a table of its own, e.g. [pronunciations]
                if not re.search(rf"^\[{f.name}\]", text, re.M):
                    missing.append(f"[{f.name}]")
                continue
            if not re.search(rf"^#? ?{re.escape(f.name)} = ", text, re.M) and f.name != "languages":
                missing.append(f"{table}.{f.name}" if table else f.name)

    walk(_File, "")
    assert "[voices.languages.es]" in text  # the per-language table, by example
    assert missing == [], missing


def test_a_digest_reads_each_story_in_its_own_language_and_voice(tmp_path: Path) -> None:
    from pedalboard.io import AudioFile

    from audiobrief.tts.fake import FakeEngine

    config = tmp_path / "audiobrief.toml"
    config.write_text('[voices]\nhost = "fake:anchor"\n[voices.languages.es]\nhost = "fake:ancla"\n', encoding="utf-8")
    spanish = tmp_path / "puertos.json"
    spanish.write_text(json.dumps({"title": "Bruselas aprueba un plan para los puertos", "language": "es",
                                   "facts": ["La Comisión aprobó el martes un fondo de 35,5 millones."]}),
                       encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--digest", "--title", "Morning briefing", str(DATA / "briefs" / "facts-only.txt"),
                                      str(spanish), "--out", str(tmp_path / "o"), "--config", str(config), "--json",
                                      "--no-cache"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["voices"]) == {"en", "es"}
    episode = data["episodes"][0]
    chapters = {c["title"]: c for c in episode["chapters"]}
    assert "Bruselas aprueba un plan para los puertos: Los hechos" in chapters  # the story's own words
    transcript = (tmp_path / "o" / episode["transcripts"]["text"]).read_text(encoding="utf-8")
    assert "Primero, los hechos. La Comisión aprobó el martes" in transcript and "This is Morning briefing" in transcript
    with AudioFile(str(tmp_path / "o" / episode["audio_file"])) as audio:
        samples, rate = audio.read(audio.frames)[0], audio.samplerate
    import numpy as np

    chapter = chapters["Bruselas aprueba un plan para los puertos: Los hechos"]
    middle = (chapter["start_ms"] + chapter["end_ms"]) / 2000
    window = samples[int((middle - 0.5) * rate):int((middle + 0.5) * rate)]
    peak_hz = float(np.argmax(np.abs(np.fft.rfft(window * np.hanning(len(window))))) * rate / len(window))
    assert abs(peak_hz - FakeEngine("ancla").frequency_hz) < 3  # the Spanish story in the Spanish voice


def test_an_episode_in_another_language_is_marked_in_the_json_feed_and_on_the_page(tmp_path: Path) -> None:
    config = tmp_path / "audiobrief.toml"
    config.write_text('[voices.languages.es]\nhost = "fake:ancla"\n', encoding="utf-8")
    spanish = tmp_path / "puertos.json"
    spanish.write_text(json.dumps({"title": "Puertos", "language": "es", "facts": ["La Comisión aprobó un fondo."]}),
                       encoding="utf-8")
    out = tmp_path / "o"
    for brief in (DATA / "briefs" / "facts-only.txt", spanish):
        result = CliRunner().invoke(cli, ["build", str(brief), "--out", str(out), "--config", str(config),
                                          "--engine", "fake", "--no-cache"])
        assert result.exit_code == 0, result.output
    import jsonschema

    doc = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads((DATA / "schemas" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8")))
    items = {i["title"]: i for i in doc["items"]}
    assert items["Puertos"]["language"] == "es" and "language" not in next(i for t, i in items.items() if t != "Puertos")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<article id="puertos" lang="es">' in page and '<html lang="en">' in page


def test_quiet_commands_print_nothing_but_errors(tmp_path: Path) -> None:
    made = CliRunner(mix_stderr=False).invoke(cli, ["-q", "init", str(tmp_path / "show")])
    assert made.exit_code == 0 and made.stdout == "" and made.stderr == ""
    assert (tmp_path / "show" / "audiobrief.toml").is_file()
    out = tmp_path / "o"
    assert CliRunner().invoke(cli, ["-q", "build", str(DATA / "briefs" / "facts-only.txt"), "--out", str(out),
                                    "--engine", "fake", "--no-cache"]).output == ""
    for args in (["publish", str(out), str(tmp_path / "site")], ["remove", "facts-only", "--out", str(out)],
                 ["cache", "prune", "--cache", str(tmp_path / "cache")]):
        result = CliRunner(mix_stderr=False).invoke(cli, ["-q", *args])
        assert result.exit_code == 0 and result.stdout == "" and result.stderr == "", (args, result.output)
    failed = CliRunner(mix_stderr=False).invoke(cli, ["-q", "remove", "nope", "--out", str(out)])
    assert failed.exit_code == 1 and "Error" in failed.stderr  # errors still speak


def test_shell_completion_as_the_readme_documents_it() -> None:
    def complete(words: str) -> str:
        env = {**os.environ, "_AUDIOBRIEF_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - 1)}
        return subprocess.run([sys.executable, "-m", "audiobrief"], env=env, capture_output=True, text=True,
                              check=True).stdout

    assert "plain,build" in complete("audiobrief bu") and "plain,--language" in complete("audiobrief build --lan")
    env = {**os.environ, "_AUDIOBRIEF_COMPLETE": "bash_source"}
    script = subprocess.run([sys.executable, "-m", "audiobrief"], env=env, capture_output=True, text=True, check=True)
    assert "complete -o nosort -F _audiobrief_completion audiobrief" in script.stdout
    assert '_AUDIOBRIEF_COMPLETE=bash_source audiobrief' in (ROOT / "README.md").read_text(encoding="utf-8")
