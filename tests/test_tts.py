"""Stage 3's engines, all through the one protocol and the registry."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from audiobrief.errors import EngineUnavailable, SynthesisError
from audiobrief.ffmpeg import find_ffmpeg
from audiobrief.models import Script, Segment
from audiobrief.speech import check_speech, synthesize_script
from audiobrief.tts import ENGINES, TTSEngine, engine_statuses, get_engine
from audiobrief.tts.fake import FakeEngine

from .conftest import ROOT, needs_espeak

SENTENCE = "The council approved the budget on Monday."


def _speech_seconds(engine: TTSEngine, text: str = SENTENCE) -> float:
    chunks = list(engine.synthesize(text))
    assert chunks, "engine yielded nothing"
    pcm = b"".join(c.pcm for c in chunks)
    check_speech("test", text, pcm, chunks[0].sample_rate_hz)
    return len(pcm) / 2 / chunks[0].sample_rate_hz


def test_registry_names_and_unknown_engine() -> None:
    assert {"piper", "espeak", "gtts", "fake"} <= set(ENGINES)
    from audiobrief.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown engine 'nope'.*piper"):
        get_engine("nope")


def test_fake_engine_has_exact_duration_and_fingerprint() -> None:
    engine = get_engine("fake", ms_per_word=250)
    assert isinstance(engine, TTSEngine)
    assert _speech_seconds(engine, "one two three four") == pytest.approx(1.0)
    assert engine.fingerprint() != get_engine("fake", ms_per_word=300).fingerprint()


def test_piper_default_voice_speaks_offline() -> None:
    engine = get_engine("piper")
    seconds = _speech_seconds(engine)
    words = len(SENTENCE.split())
    assert 60 * words / 250 < seconds < 60 * words / 100  # 100-250 words a minute
    assert engine.fingerprint().startswith("piper/")
    from audiobrief.tts.piper import loaded_voices

    get_engine("piper").fingerprint()
    assert loaded_voices() == 1, "the voice model must load once per process"


def test_piper_rejects_a_missing_model_naming_the_fix(tmp_path) -> None:
    with pytest.raises(EngineUnavailable, match="neither a bundled voice"):
        get_engine("piper", voice=str(tmp_path / "missing.onnx"))


@needs_espeak
def test_espeak_offers_for_english_the_voice_a_build_speaks_it_with(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from audiobrief.cli import cli
    from audiobrief.tts.espeak import EspeakEngine

    assert EspeakEngine.voice_for("en") == "en-us" == get_engine("espeak").voice  # type: ignore[attr-defined]
    assert EspeakEngine.voice_for("en-GB") == "en-gb" and EspeakEngine.voice_for("es") == "es"
    listed = CliRunner().invoke(cli, ["engines", "--language", "en"]).output
    espeak = listed.split("espeak", 1)[1]
    assert "en: voice en-us" in espeak.split("\nok ", 1)[0], listed  # engines says what the build does
    build = CliRunner().invoke(cli, ["build", str(ROOT / "tests" / "data" / "briefs" / "facts-only.txt"), "--out",
                                     str(tmp_path), "--engine", "espeak", "--json"])
    assert json.loads(build.stdout)["voices"]["en"]["host"] == "espeak:en-us", build.output


@needs_espeak
def test_espeak_engine_speaks() -> None:
    engine = get_engine("espeak", voice="en-us")
    assert 1.0 < _speech_seconds(engine) < 6.0
    assert engine.fingerprint().startswith("espeak/")


def test_engines_command_data_reports_each_engine() -> None:
    statuses = {s.name: s for s in engine_statuses()}
    assert statuses["piper"].available and "joe" in statuses["piper"].voices
    assert set(statuses) == {"piper", "espeak", "gtts", "hibari"}
    assert statuses["hibari"].available and statuses["hibari"].voices[0] == "heart"
    assert "emma (download)" in statuses["hibari"].voices  # marked: needs a download, impossible offline
    assert statuses["piper"].languages == ("en",) and statuses["hibari"].languages == ("en",)
    assert "es" in statuses["gtts"].languages  # from gTTS's own table, offline
    if statuses["espeak"].available:
        assert {"en", "es", "de", "ru"} <= set(statuses["espeak"].languages)


# --- the contract every engine keeps -------------------------------------------------------------------

CONTRACT = [
    pytest.param("fake", {}, True, id="fake"),
    pytest.param("piper", {}, False, id="piper"),  # Piper's noise is random: not promised
    pytest.param("espeak", {}, True, id="espeak", marks=needs_espeak),
    pytest.param("hibari", {}, True, id="hibari"),
]


@pytest.mark.parametrize(("name", "options", "deterministic"), CONTRACT)
def test_engine_contract(name: str, options: dict, deterministic: bool) -> None:
    engine = get_engine(name, **options)
    assert isinstance(engine, TTSEngine) and engine.name == name
    fingerprint = engine.fingerprint()
    assert fingerprint.startswith(f"{name}/") and fingerprint == get_engine(name, **options).fingerprint()
    chunks = list(engine.synthesize(SENTENCE))
    assert chunks and all(c.sample_rate_hz >= 16_000 for c in chunks)
    pcm = b"".join(c.pcm for c in chunks)
    check_speech("contract", SENTENCE, pcm, chunks[0].sample_rate_hz)  # no silent or implausibly short audio
    if deterministic:
        assert b"".join(c.pcm for c in engine.synthesize(SENTENCE)) == pcm
    # The voice it offers for a language it lists is one it accepts; it never offers one for a language it lacks.
    cls = type(engine)
    offered = cls.voice_for("en")
    assert offered is not None and ("en" in cls.languages() or "*" in cls.languages())
    assert get_engine(name, voice=offered).fingerprint().startswith(f"{name}/")
    assert (cls.voice_for("zz") is None) == ("*" not in cls.languages())


def test_hibari_speed_changes_the_fingerprint_and_the_length() -> None:
    slow, fast = get_engine("hibari", speed=0.8), get_engine("hibari", speed=1.25)
    assert slow.fingerprint() != fast.fingerprint()
    assert _speech_seconds(slow) > _speech_seconds(fast) * 1.3


def test_hibari_voices_that_need_a_download_fail_clearly_offline(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path))  # an empty cache: nothing downloaded
    with pytest.raises(EngineUnavailable, match=r"voice 'emma' is not bundled.*download.*'heart'"):
        get_engine("hibari", voice="emma")
    with pytest.raises(EngineUnavailable, match="unknown voice 'nobody'"):
        get_engine("hibari", voice="nobody")


def test_a_missing_hibari_package_is_engine_unavailable_naming_the_install(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "hibari" else real(name, *a))
    with pytest.raises(EngineUnavailable, match="pip install hibari-tts"):
        get_engine("hibari")


# --- gTTS against a local server that speaks Google's batchexecute protocol -----------------------


def _mp3_tone(seconds: float) -> bytes:
    return subprocess.run(
        [find_ffmpeg(), "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
         "-ac", "1", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1"],
        capture_output=True, check=True).stdout


@pytest.fixture
def fake_google() -> Iterator[tuple[str, list[str]]]:
    """A local server speaking gTTS's protocol; the text says how to misbehave.

    ``FAIL`` answers 500, ``BUSY`` 429, ``STALL`` never answers in time, ``GARBAGE`` answers 200 with
    junk, ``FLAKY`` fails twice with 503 and then answers; anything else gets 2.5 s of audio.
    """
    audio = base64.b64encode(_mp3_tone(2.5)).decode()
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            rpc = json.loads(parse_qs(body)["f.req"][0])
            text = json.loads(rpc[0][0][1])[0]
            received.append(text)
            if "FAIL" in text or "BUSY" in text or ("FLAKY" in text and received.count(text) <= 2):
                self.send_response(429 if "BUSY" in text else 503 if "FLAKY" in text else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if "STALL" in text:
                time.sleep(1.5)  # the test's client gives up after 0.3 s
                return
            payload = (f')]}}\'\n\n123\n[["wrb.fr","jQ1olc","[\\"{audio}\\"]",null,null,null,"generic"]]\n'
                       if "GARBAGE" not in text else ")]}'\n\n[[\"wrb.fr\",\"jQ1olc\",\"[\\\"bm90IGFuIG1wMw==\\\"]\"]]\n")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_gtts_engine_against_a_local_google_protocol_server(fake_google) -> None:
    endpoint, received = fake_google
    engine = get_engine("gtts", endpoint=endpoint)
    seconds = _speech_seconds(engine)
    assert received == [SENTENCE]
    assert seconds == pytest.approx(2.5, abs=0.1)
    assert engine.fingerprint().startswith("gtts/")


def _impatient(endpoint: str, **options: object) -> TTSEngine:
    return get_engine("gtts", endpoint=endpoint, timeout_s=0.3, attempts=3, max_total_s=5.0, **options)


def test_gtts_retries_a_flaky_service_with_backoff_and_succeeds(fake_google, caplog) -> None:
    endpoint, received = fake_google
    engine = _impatient(endpoint)
    assert _speech_seconds(engine, "A FLAKY service.") == pytest.approx(2.5, abs=0.1)
    assert received == ["A FLAKY service."] * 3
    assert "(attempt 1 of 3); trying again" in caplog.text and "(attempt 2 of 3); trying again" in caplog.text


@pytest.mark.parametrize(("text", "reason"), [("Please FAIL now.", "500"), ("Too BUSY.", "429"),
                                              ("A STALL here.", "Failed to connect")])
def test_gtts_outage_is_engine_unavailable_after_bounded_retries(fake_google, text: str, reason: str) -> None:
    endpoint, received = fake_google
    engine = _impatient(endpoint)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match=f"cannot reach Google's TTS service: {reason}.*after 3 attempt"
                                                r".*--engine hibari for offline speech.*fallback") as caught:
        list(engine.synthesize(text))
    assert received == [text] * 3
    assert time.monotonic() - started < 5.0
    assert "\n" not in str(caught.value)


def test_gtts_total_time_is_bounded_even_with_many_attempts(fake_google) -> None:
    endpoint, received = fake_google
    engine = get_engine("gtts", endpoint=endpoint, timeout_s=0.3, attempts=20, max_total_s=1.0)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable):
        list(engine.synthesize("A STALL again."))
    assert time.monotonic() - started < 3.0  # max_total_s plus at most one request in flight
    assert 1 < len(received) < 20


def test_gtts_garbage_is_a_synthesis_error_not_silence(fake_google) -> None:
    endpoint, received = fake_google
    with pytest.raises(SynthesisError, match="GARBAGE.*after 3 attempt"):
        list(_impatient(endpoint).synthesize("Some GARBAGE please."))
    assert len(received) == 3


def test_a_build_falls_back_to_the_configured_engine_with_a_warning(fake_google, tmp_path: Path, caplog) -> None:
    from dataclasses import replace

    from audiobrief.config import EngineSettings, GttsOptions, Settings
    from audiobrief.pipeline import build

    endpoint, received = fake_google
    brief = tmp_path / "b.json"
    brief.write_text(json.dumps({"title": "Outage", "facts": ["The service will FAIL today."],
                                 "narratives": [{"label": "Left narrative", "text": "It is fine."}]}))
    gtts = GttsOptions(endpoint=endpoint, timeout_s=0.3, attempts=2, max_total_s=2.0)
    settings = replace(Settings(), engine=EngineSettings(name="gtts", fallback="fake", gtts=gtts))
    result = build([brief], tmp_path / "show", settings)
    assert result.episodes[0].duration_ms > 1000
    assert "speaking with the fallback engine 'fake' instead" in caplog.text
    assert any("FAIL" in text for text in received)
    without = replace(settings, engine=EngineSettings(name="gtts", fallback="none", gtts=gtts))
    with pytest.raises(EngineUnavailable, match="cannot reach Google's TTS service"):
        build([brief], tmp_path / "other", without)


def test_gtts_offline_fails_at_creation_naming_the_alternatives() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(EngineUnavailable, match=r"cannot reach 127.0.0.1:\d+.*needs internet.*--engine piper"):
        get_engine("gtts", endpoint=f"http://127.0.0.1:{port}")


# --- the speech stage's checks --------------------------------------------------------------------


def _script(*texts: str) -> Script:
    return Script("b", "T", "en", tuple(Segment(f"s{i}", "fact", "host", "facts", "Facts", t) for i, t in enumerate(texts)))


def test_silent_audio_fails_the_build_naming_segment_and_text() -> None:
    with pytest.raises(SynthesisError, match=r"segment s1, sentence 'Second one.'.*silence"):
        synthesize_script(_script("First one.", "Second one."),
                          {"host": _SilentAfterFirst()})


def test_implausibly_short_audio_fails() -> None:
    with pytest.raises(SynthesisError, match="implausible"):
        synthesize_script(_script("A sentence with quite a few words in it for a check."),
                          {"host": FakeEngine(ms_per_word=20)})


def test_engine_failure_propagates_with_the_text() -> None:
    with pytest.raises(SynthesisError, match="fail on 'boom'"):
        synthesize_script(_script("All fine.", "Then boom."), {"host": FakeEngine(fail_on="boom")})


def test_progress_reports_every_segment() -> None:
    seen: list[tuple[int, int, str]] = []
    spoken = synthesize_script(_script("One. Two.", "Three."), {"host": FakeEngine()},
                               progress=lambda d, t, s: seen.append((d, t, s)))
    assert seen == [(1, 2, "s0"), (2, 2, "s1")]
    assert spoken[0].sentences == ("One.", "Two.")


class _SilentAfterFirst(FakeEngine):
    def synthesize(self, text: str):
        self.silent = bool(self.calls)
        return super().synthesize(text)


def test_voices_can_name_their_engine_per_role(tmp_path: Path) -> None:
    from audiobrief.config import load_settings
    from audiobrief.errors import ConfigError
    from audiobrief.pipeline import make_engines

    config = tmp_path / "audiobrief.toml"
    config.write_text('[voices]\nhost = "hibari:heart"\nnarrative = "piper:joe"\n[engine.hibari]\nspeeds = { heart = 1.1 }\n')
    engines = make_engines(load_settings(config))
    assert engines["host"].name == "hibari" and engines["narrative"].name == "piper"
    assert "speed=1.1" in engines["host"].fingerprint()
    assert {e.name for e in make_engines(load_settings(config), "espeak").values()} == {"espeak"}  # --engine wins
    config.write_text('[voices]\nhost = "nope:joe"\n')
    with pytest.raises(ConfigError, match="unknown engine 'nope'.*hibari:heart"):
        load_settings(config)
    config.write_text('[engine.hibari]\nspeed = 3.0\n')
    with pytest.raises(ConfigError, match=r"\[engine.hibari\] speed = 3.0: use 0.5 to 2"):
        load_settings(config)


@pytest.mark.slow
def test_a_configured_engine_that_cannot_run_falls_back_to_piper_with_one_line(tmp_path: Path, monkeypatch,
                                                                                caplog) -> None:
    import importlib.util
    from dataclasses import replace

    from audiobrief.config import EngineSettings, Settings
    from audiobrief.pipeline import build

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "hibari" else real(name, *a))
    brief = tmp_path / "b.json"
    brief.write_text(json.dumps({"title": "Short", "facts": ["The council met."]}))
    result = build([brief], tmp_path / "show", replace(Settings(), engine=EngineSettings(name="hibari")))
    assert result.episodes[0].duration_ms > 1000
    (notice,) = [r.getMessage() for r in caplog.records if "fallback" in r.getMessage()]
    assert "hibari-tts is not installed" in notice and "speaking with the fallback engine 'piper'" in notice


def test_hibari_reads_its_g2p_tables_from_a_copy_in_the_cache(tmp_path, monkeypatch) -> None:
    """The G2P's tables are kept marshalled in the cache: the second load reads no JSON and says the same
    as hibari's own G2P; a damaged copy is ignored and written again."""
    from audiobrief.tts import hibari

    monkeypatch.setenv("AUDIOBRIEF_CACHE_DIR", str(tmp_path))
    hibari.import_hibari()
    hibari._repair_front_end()
    import hibari.g2p as g2p_module

    sentence = "King Charles read the 2024 report on Monday."
    expected = g2p_module.G2P()(sentence)  # hibari's own, from its JSON files
    read: list[str] = []
    real = g2p_module._load_json
    monkeypatch.setattr(g2p_module, "_load_json", lambda name: read.append(name) or real(name))
    first = hibari.front_end()
    (copy,) = (tmp_path / "hibari").glob("g2p-*.marshal")
    assert {"tagger.json.gz", "lexicon_us_gold.json.gz"} <= set(read)
    read.clear()
    second = hibari.front_end()
    assert read == [] and second(sentence) == first(sentence) == expected
    copy.write_bytes(b"\x00not marshal")
    third = hibari.front_end()
    assert "tagger.json.gz" in read and third(sentence) == expected
    assert copy.stat().st_size > 1_000_000  # written again, whole
    read.clear()
    assert hibari.front_end()(sentence) == expected and read == []
    stale = copy.with_name("g2p-0123456789abcdef0123.marshal")  # another hibari's or Python's
    stale.write_bytes(b"old")
    copy.unlink()
    hibari.front_end()
    assert sorted(p.name for p in (tmp_path / "hibari").iterdir()) == [copy.name]


def test_release_voices_unloads_every_loaded_model_and_imports_no_engine() -> None:
    import sys

    from audiobrief.tts import hibari, release_voices

    list(get_engine("hibari").synthesize("One."))
    assert hibari.loaded_voices() == 1
    gtts_loaded = "audiobrief.tts.gtts" in sys.modules
    assert release_voices() >= 1 and hibari.loaded_voices() == 0
    assert ("audiobrief.tts.gtts" in sys.modules) == gtts_loaded
    assert release_voices() == 0
