"""Stage 3's engines, all through the one protocol and the registry."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from audiobrief.errors import EngineUnavailable, SynthesisError
from audiobrief.ffmpeg import find_ffmpeg
from audiobrief.models import Script, Segment
from audiobrief.speech import check_speech, synthesize_script
from audiobrief.tts import ENGINES, TTSEngine, engine_statuses, get_engine
from audiobrief.tts.fake import FakeEngine

from .conftest import needs_espeak

SENTENCE = "The council approved the budget on Monday."


def _speech_seconds(engine: TTSEngine, text: str = SENTENCE) -> float:
    chunks = list(engine.synthesize(text))
    assert chunks, "engine yielded nothing"
    pcm = b"".join(c.pcm for c in chunks)
    check_speech("test", text, pcm, chunks[0].sample_rate_hz)
    return len(pcm) / 2 / chunks[0].sample_rate_hz


def test_registry_names_and_unknown_engine() -> None:
    assert {"piper", "espeak", "gtts", "fake"} <= set(ENGINES)
    with pytest.raises(EngineUnavailable, match="unknown engine 'nope'.*piper"):
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
def test_espeak_engine_speaks() -> None:
    engine = get_engine("espeak", voice="en-us")
    assert 1.0 < _speech_seconds(engine) < 6.0
    assert engine.fingerprint().startswith("espeak/")


def test_engines_command_data_reports_each_engine() -> None:
    statuses = {s.name: s for s in engine_statuses()}
    assert statuses["piper"].available and "joe" in statuses["piper"].voices
    assert set(statuses) == {"piper", "espeak", "gtts"}


# --- gTTS against a local server that speaks Google's batchexecute protocol -----------------------


def _mp3_tone(seconds: float) -> bytes:
    return subprocess.run(
        [find_ffmpeg(), "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
         "-ac", "1", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1"],
        capture_output=True, check=True).stdout


@pytest.fixture
def fake_google() -> Iterator[tuple[str, list[str]]]:
    audio = base64.b64encode(_mp3_tone(2.5)).decode()
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            rpc = json.loads(parse_qs(body)["f.req"][0])
            received.append(json.loads(rpc[0][0][1])[0])
            if "FAIL" in received[-1]:
                self.send_response(500)
                self.end_headers()
                return
            payload = f')]}}\'\n\n123\n[["wrb.fr","jQ1olc","[\\"{audio}\\"]",null,null,null,"generic"]]\n'
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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


def test_gtts_server_error_is_a_synthesis_error_with_the_offline_hint(fake_google) -> None:
    endpoint, _ = fake_google
    engine = get_engine("gtts", endpoint=endpoint)
    with pytest.raises(SynthesisError, match="FAIL.*--engine piper"):
        list(engine.synthesize("Please FAIL now."))


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
