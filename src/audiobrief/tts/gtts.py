"""Google Translate's text-to-speech through gTTS: natural, but online only."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from importlib import metadata
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ..errors import EngineUnavailable, SynthesisError
from ..ffmpeg import decode_to_pcm, find_ffmpeg
from . import AudioChunk

_SAMPLE_RATE_HZ = 24_000  # what Google's MP3s carry
_OFFLINE_HINT = "offline, use the default engine (--engine piper) or --engine espeak"


class GttsEngine:
    """gTTS. ``voice`` is a language code (``en``), ``tld`` picks the accent (``com``, ``co.uk``).

    ``endpoint`` replaces ``https://translate.google.<tld>`` (a proxy, or a local test server).
    """

    name: ClassVar[str] = "gtts"
    description: ClassVar[str] = "Google Translate TTS via gTTS, needs internet"
    multithreaded: ClassVar[bool] = False  # network-bound: calls overlap well

    def __init__(self, voice: str = "en", tld: str = "com", endpoint: str | None = None,
                 timeout_s: float = 10.0, check_network: bool = True) -> None:
        try:
            import gtts  # noqa: F401
            from gtts.lang import tts_langs
        except ImportError as exc:
            raise EngineUnavailable("gtts: gTTS is not installed; run: pip install gtts") from exc
        if voice not in tts_langs():
            raise EngineUnavailable(f"gtts: unknown language '{voice}'; see `gtts-cli --all` for the codes")
        find_ffmpeg()  # Google answers with MP3, which needs ffmpeg to decode
        self.lang, self.tld, self.endpoint, self.timeout_s = voice, tld, endpoint, timeout_s
        if check_network:
            host, port = self._host_port()
            try:
                socket.create_connection((host, port), timeout=min(timeout_s, 3.0)).close()
            except OSError as exc:
                raise EngineUnavailable(
                    f"gtts: cannot reach {host}:{port} ({exc.strerror or exc}); gTTS needs internet access; "
                    + _OFFLINE_HINT
                ) from exc

    def _host_port(self) -> tuple[str, int]:
        url = urlsplit(self.endpoint or f"https://translate.google.{self.tld}/")
        return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)

    @classmethod
    def voices(cls) -> list[str]:
        """Language codes gTTS accepts (a table shipped with gTTS; no network needed)."""
        from gtts.lang import tts_langs

        return sorted(tts_langs())

    def fingerprint(self) -> str:
        """gTTS version, language and accent."""
        return f"gtts/{metadata.version('gTTS')}/{self.lang}/{self.tld}"

    def _client(self, text: str) -> Any:
        from gtts import gTTS

        endpoint = self.endpoint

        class _Client(gTTS):  # type: ignore[misc]
            def _prepare_requests(self) -> list[Any]:
                requests: list[Any] = super()._prepare_requests()
                if endpoint:
                    for request in requests:
                        path = urlsplit(request.url).path
                        request.prepare_url(endpoint.rstrip("/") + path, None)
                return requests

        return _Client(text, lang=self.lang, tld=self.tld, timeout=self.timeout_s)

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Ask Google for ``text`` and yield it decoded to PCM."""
        from gtts import gTTSError

        try:
            mp3 = b"".join(self._client(text).stream())
        except gTTSError as exc:
            raise SynthesisError(f"gtts failed on {text[:60]!r}: {exc}; {_OFFLINE_HINT}") from exc
        if not mp3:
            raise SynthesisError(f"gtts returned no audio for {text[:60]!r}")
        yield AudioChunk(decode_to_pcm(mp3, _SAMPLE_RATE_HZ), _SAMPLE_RATE_HZ)
