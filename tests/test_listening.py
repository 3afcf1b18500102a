"""Listening for what the metrics miss: the default voice's episode, measured as an engineer would.

The example brief is built once with the default voice (hibari heart), then checked with sox's
``stats`` (no clipping, no DC offset, sane levels), a spectrogram (drawn beside the episode for a
person to look at, and measured: nothing above the band the voice model renders, 12 kHz for
hibari's 24 kHz audio, reaches the MP3) and the episode's own timings (silence where the pauses
are).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from .conftest import EXAMPLES, ROOT, needs_ffprobe

pytestmark = [pytest.mark.slow, needs_ffprobe,
              pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed (apt-get install sox)")]

RATE_HZ = 44_100
MODEL_BAND_HZ = 12_000  # hibari renders 24 kHz audio


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], np.ndarray]:
    out = tmp_path_factory.mktemp("listening")
    run = subprocess.run([sys.executable, "-m", "audiobrief", "-q", "build", str(EXAMPLES / "seed-brief.txt"),
                          "--out", str(out), "--no-cache", "--json"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["voices"]["en"]["host"] == "hibari:heart"  # the default voice is what is listened to
    # and the feed names it, as a synthetic host (podcast:person)
    assert '<podcast:person role="host">Heart (hibari), a synthetic voice</podcast:person>' in \
        (out / "feed.xml").read_text()
    (entry,) = result["episodes"]
    wav = out / "episode.wav"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(out / entry["audio_file"]), "-map_metadata", "-1",
                    "-ac", "1", "-ar", str(RATE_HZ), "-c:a", "pcm_s16le", str(wav)], check=True)
    with wave.open(str(wav)) as handle:
        assert handle.getframerate() == RATE_HZ
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    return out, entry, samples


def _sox_stats(wav: Path) -> dict[str, float]:
    text = subprocess.run(["sox", str(wav), "-n", "stats"], capture_output=True, text=True, check=True).stderr
    stats = {}
    for line in text.splitlines():
        match = re.match(r"(\S.*?)\s{2,}(-?[\d.]+|-inf)\s*$", line)
        if match:
            stats[match.group(1)] = float(match.group(2))
    return stats


def test_sox_stats_show_no_clipping_no_dc_offset_and_broadcast_levels(episode) -> None:
    out, _, _ = episode
    stats = _sox_stats(out / "episode.wav")
    assert abs(stats["DC offset"]) < 0.001, stats
    assert stats["Pk lev dB"] <= -1.0, stats  # under the -2 dBTP ceiling, whatever the decoder adds
    assert stats["Flat factor"] == 0.0, stats  # no runs of samples stuck at the peak: nothing clipped
    assert -26.0 <= stats["RMS lev dB"] <= -14.0, stats  # speech at -16 LUFS
    # the same checks on the episode pushed 12 dB into clipping and shifted by 1 %: they fail
    _, _, samples = episode
    bad = out / "broken.wav"
    with wave.open(str(bad), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE_HZ)
        handle.writeframes((np.clip(samples * 4 + 0.01, -1, 32767 / 32768) * 32768).astype("<i2").tobytes())
    broken = _sox_stats(bad)
    assert abs(broken["DC offset"]) >= 0.001 and broken["Pk lev dB"] > -1.0 and broken["Flat factor"] > 0, broken


def test_the_spectrogram_has_nothing_above_the_voice_models_band(episode) -> None:
    out, _, samples = episode
    image = out / "spectrogram.png"
    subprocess.run(["sox", str(out / "episode.wav"), "-n", "spectrogram", "-x", "1200", "-y", "257", "-t",
                    "hibari heart: the example brief", "-o", str(image)], check=True)
    assert image.stat().st_size > 10_000  # drawn, for a person to look at
    power = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE_HZ)
    above = power[freqs > MODEL_BAND_HZ + 500].sum() / power.sum()
    speech = power[(freqs > 100) & (freqs < 4000)].sum() / power.sum()
    assert above < 1e-6, f"{above:.2e} of the energy is above {MODEL_BAND_HZ} Hz"
    assert speech > 0.5  # and the speech band carries most of it: the check can tell speech from noise


def test_the_pauses_between_sentences_are_silent(episode) -> None:
    out, entry, samples = episode
    cues = re.findall(r"(\d+):(\d+):(\d+)\.(\d+) --> (\d+):(\d+):(\d+)\.(\d+)",
                      (out / entry["transcripts"]["vtt"]).read_text())
    times = [(int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000, int(h2) * 3600 + int(m2) * 60 + int(s2)
              + int(ms2) / 1000) for h, m, s, ms, h2, m2, s2, ms2 in cues]
    chapters = [(c["start_ms"] / 1000, c["end_ms"] / 1000) for c in entry["chapters"]]

    def chapter(t: float) -> int:
        return next(i for i, (start, end) in enumerate(chapters) if start <= t < end + 1e-3)

    checked = 0
    for (_, end), (start, _) in zip(times, times[1:]):
        if start - end < 0.25 or chapter(end - 0.01) != chapter(start + 0.01):
            continue  # pieces of one sentence, or a chapter boundary (where the cue chime plays)
        middle = samples[int((end + (start - end) * 0.3) * RATE_HZ): int((start - (start - end) * 0.3) * RATE_HZ)]
        rms_db = 20 * np.log10(max(float(np.sqrt(np.mean(middle ** 2))), 1e-9))
        assert rms_db < -50, f"the pause at {end:.2f}-{start:.2f} s is at {rms_db:.1f} dBFS"
        checked += 1
    assert checked >= 15  # sentence and segment pauses of a whole episode
    speech = samples[int(times[0][0] * RATE_HZ): int(times[0][1] * RATE_HZ)]
    assert 20 * np.log10(float(np.sqrt(np.mean(speech ** 2)))) > -30  # and speech is not: the check can fail
