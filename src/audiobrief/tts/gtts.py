"""Google Translate's text-to-speech through gTTS: natural, but online only."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from importlib import metadata
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ..errors import EngineUnavailable, SynthesisError
from ..ffmpeg import decode_to_pcm, find_ffmpeg
from ..languages import primary
from . import AudioChunk

log = logging.getLogger(__name__)

_SAMPLE_RATE_HZ = 24_000  # what Google's MP3s carry
_OFFLINE_HINT = "offline, use the default engine (--engine hibari), --engine piper or --engine espeak"


class _Transient(Exception):
    """A failure worth another try: no connection, a timeout, HTTP 429 or 5xx, an answer without audio."""

    def __init__(self, reason: str, *, unreachable: bool) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


class GttsEngine:
    """gTTS. ``voice`` is a language code (``en``), ``tld`` picks the accent (``com``, ``co.uk``).

    ``endpoint`` replaces ``https://translate.google.<tld>`` (a proxy, or a local test server).
    A failed request is tried again (``attempts`` in all, exponential backoff with jitter, never
    longer than ``max_total_s`` per segment); a service that stays unreachable raises
    :class:`EngineUnavailable`, which a configured ``[engine] fallback`` turns into a build with
    that engine.
    """

    name: ClassVar[str] = "gtts"
    description: ClassVar[str] = "Google Translate TTS via gTTS, needs internet"
    multithreaded: ClassVar[bool] = False  # network-bound: calls overlap well

    def __init__(self, voice: str = "en", tld: str = "com", endpoint: str | None = None, slow: bool = False,
                 timeout_s: float = 10.0, attempts: int = 4, max_total_s: float = 60.0,
                 check_network: bool = True) -> None:
        try:
            import gtts  # noqa: F401
            from gtts.lang import tts_langs
        except ImportError as exc:
            raise EngineUnavailable("gtts: gTTS is not installed; run: pip install gtts") from exc
        if voice not in tts_langs():
            raise EngineUnavailable(f"gtts: unknown language '{voice}'; see `gtts-cli --all` for the codes")
        find_ffmpeg()  # Google answers with MP3, which needs ffmpeg to decode
        self.lang, self.tld, self.endpoint, self.slow = voice, tld, endpoint, slow
        self.timeout_s, self.attempts, self.max_total_s = timeout_s, attempts, max_total_s
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

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """gTTS's code for ``language`` (from its shipped table; whether Google answers is not checked here)."""
        try:
            from gtts.lang import tts_langs
        except ImportError:
            return None
        langs = tts_langs()
        for code in (language, language.lower(), primary(language)):
            if code in langs:
                return code
        return None

    @classmethod
    def languages(cls) -> list[str]:
        """The languages of gTTS's shipped table (Google is not asked)."""
        try:
            return cls.voices()
        except ImportError:  # gTTS not installed
            return []

    def fingerprint(self) -> str:
        """gTTS version, language, accent and pace."""
        return f"gtts/{metadata.version('gTTS')}/{self.lang}/{self.tld}" + ("/slow" if self.slow else "")

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

        return _Client(text, lang=self.lang, tld=self.tld, slow=self.slow, timeout=self.timeout_s)

    def _fetch(self, text: str) -> bytes:
        """One request for ``text``'s MP3; transient failures raise :class:`_Transient`."""
        from gtts import gTTSError

        try:
            mp3 = b"".join(self._client(text).stream())
        except gTTSError as exc:
            status = getattr(exc.rsp, "status_code", None)
            if status is None:
                raise _Transient(str(exc), unreachable=True) from exc
            if status == 429 or status >= 500:
                raise _Transient(str(exc), unreachable=True) from exc
            raise SynthesisError(f"gtts failed on {text[:60]!r}: {exc}; {_OFFLINE_HINT}") from exc
        except (ValueError, UnicodeError) as exc:  # a garbled answer (bad base64, bad encoding)
            raise _Transient(f"a garbled answer ({exc})", unreachable=False) from exc
        if not mp3:
            raise _Transient("an answer without audio", unreachable=False)
        return mp3

    def _fetch_pcm(self, text: str) -> bytes:
        from ..errors import AudioError

        mp3 = self._fetch(text)
        try:
            pcm = decode_to_pcm(mp3, _SAMPLE_RATE_HZ)
        except AudioError as exc:
            raise _Transient(f"audio that does not decode ({exc})", unreachable=False) from exc
        if len(pcm) < 2:
            raise _Transient("audio that decodes to nothing", unreachable=False)
        return pcm

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Ask Google for ``text`` (retrying transient failures) and yield it decoded to PCM."""
        import stamina

        stamina.instrumentation.set_on_retry_hooks([])  # we say it ourselves, in words
        try:
            for attempt in stamina.retry_context(on=_Transient, attempts=self.attempts, timeout=self.max_total_s,
                                                 wait_initial=0.2, wait_max=5.0, wait_jitter=0.5):
                with attempt:
                    try:
                        pcm = self._fetch_pcm(text)
                    except _Transient as exc:
                        if attempt.num < self.attempts:
                            log.warning("gtts: %s (attempt %d of %d); trying again", exc, attempt.num, self.attempts)
                        raise
        except _Transient as exc:
            tries = f"{self.attempts} attempt(s) within {self.max_total_s:g} s"
            if exc.unreachable:
                raise EngineUnavailable(
                    f"cannot reach Google's TTS service: {exc} (after {tries}); use --engine hibari for offline "
                    "speech, or set [engine] fallback = \"hibari\" in audiobrief.toml") from exc
            raise SynthesisError(f"gtts returned {exc} for {text[:60]!r} (after {tries}); {_OFFLINE_HINT}") from exc
        yield AudioChunk(pcm, _SAMPLE_RATE_HZ)
