"""A deterministic test engine: a tone whose length is exactly proportional to the text.

Used by the test suite where exact timings matter, and by ``--engine fake`` for dry runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from ..errors import SynthesisError
from . import AudioChunk


class FakeEngine:
    """Emits ``ms_per_word`` of a 440 Hz tone per word of text (minimum one word)."""

    name: ClassVar[str] = "fake"
    description: ClassVar[str] = "test tones, exact timing"
    multithreaded: ClassVar[bool] = False  # pure Python, one core

    def __init__(self, voice: str = "tone", ms_per_word: int = 400, sample_rate_hz: int = 22_050,
                 fail_on: str | None = None, silent: bool = False, amplitude: int = 8000,
                 latency_ms: int | None = None) -> None:
        self.voice = voice
        # Time each call takes, as a real voice's would (the tone is the same); AUDIOBRIEF_FAKE_LATENCY_MS
        # sets it for a command-line build, so a test can stop one mid-way.
        if latency_ms is None:
            import os

            latency_ms = int(os.environ.get("AUDIOBRIEF_FAKE_LATENCY_MS", "0") or 0)
        self.latency_ms = int(latency_ms)
        self.ms_per_word = int(ms_per_word)
        self.sample_rate_hz = int(sample_rate_hz)
        self.fail_on = fail_on
        self.silent = silent
        self.amplitude = int(amplitude)
        self.calls: list[str] = []

    @classmethod
    def voices(cls) -> list[str]:
        """The default fake voice (any other name is a tone of another pitch)."""
        return ["tone"]

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """Tones speak every language."""
        return "tone"

    @classmethod
    def languages(cls) -> list[str]:
        """Any: tones have no language."""
        return ["*"]

    @property
    def frequency_hz(self) -> float:
        """440 Hz for ``tone``; another voice name gets its own pitch (so tests can tell voices apart)."""
        if self.voice == "tone":
            return 440.0
        import zlib

        return 150.0 + zlib.crc32(self.voice.encode()) % 600

    def fingerprint(self) -> str:
        """Everything that changes the tone."""
        return f"fake/{self.voice}/{self.ms_per_word}/{self.sample_rate_hz}/{self.silent}/{self.amplitude}"

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield one tone chunk for ``text``."""
        self.calls.append(text)
        if self.latency_ms:
            import time

            time.sleep(self.latency_ms / 1000)
        if self.fail_on is not None and self.fail_on in text:
            raise SynthesisError(f"fake engine told to fail on {self.fail_on!r}")
        words = max(1, len(text.split()))
        frames = words * self.ms_per_word * self.sample_rate_hz // 1000
        amplitude = 0 if self.silent else self.amplitude
        import numpy as np

        tone = amplitude * np.sin(2 * np.pi * self.frequency_hz / self.sample_rate_hz * np.arange(frames))
        yield AudioChunk(tone.astype("<i2").tobytes(), self.sample_rate_hz)
