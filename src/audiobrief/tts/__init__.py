"""Stage 3's engines: one narrow protocol, a registry keyed by name, lazy imports.

An engine is created with its voice options (``get_engine("piper", voice="joe")``); the constructor
checks that it can run here and raises :class:`~audiobrief.errors.EngineUnavailable` naming the fix
when it cannot. ``synthesize(text)`` yields PCM chunks; engines never resample or encode, that is
:mod:`audiobrief.audio`'s job. ``fingerprint()`` names everything that changes the sound, so a
segment's audio is a function of (fingerprint, text) and can be cached by it; it must be cheap
(no model loading), since an unchanged rebuild computes it and synthesizes nothing. Engines must
pickle, so that a process pool can run them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from ..errors import AudiobriefError

__all__ = ["ENGINES", "AudioChunk", "EngineStatus", "TTSEngine", "engine_class", "engine_statuses", "get_engine",
           "release_voices"]


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A piece of synthesized speech: signed 16-bit little-endian mono PCM."""

    pcm: bytes
    """Raw samples, 2 bytes each, one channel."""

    sample_rate_hz: int
    """Samples per second."""

    @property
    def duration_ms(self) -> float:
        """Length of the chunk in milliseconds."""
        return (len(self.pcm) // 2) * 1000 / self.sample_rate_hz


@runtime_checkable
class TTSEngine(Protocol):
    """What every engine provides. Options go to the constructor, never to each call."""

    name: ClassVar[str]
    description: ClassVar[str]
    multithreaded: ClassVar[bool]
    """True when one call already keeps every core busy (then segments are rendered one at a time)."""

    def fingerprint(self) -> str:
        """Everything that changes the sound: engine and version, voice, settings."""
        ...

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield the speech for ``text``; raise SynthesisError when this text fails."""
        ...

    @classmethod
    def voices(cls) -> list[str]:
        """Voice names this engine accepts here (may be empty when it cannot run)."""
        ...

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """The voice that speaks ``language`` (``es``, ``en-us``) here, or None; never uses the network."""
        ...

    @classmethod
    def languages(cls) -> list[str]:
        """Language codes some voice of this engine speaks here (may be empty when it cannot run)."""
        ...


#: Engine name -> "module:Class", imported only when the engine is asked for.
ENGINES: dict[str, str] = {  # the default first: `audiobrief engines` lists them in this order
    "hibari": "audiobrief.tts.hibari:HibariEngine",
    "piper": "audiobrief.tts.piper:PiperEngine",
    "espeak": "audiobrief.tts.espeak:EspeakEngine",
    "gtts": "audiobrief.tts.gtts:GttsEngine",
    "fake": "audiobrief.tts.fake:FakeEngine",
}


def onnx_runtime() -> str:
    """The onnxruntime version, for the fingerprints of the engines that run on it.

    Its kernels are part of what a neural voice says: another release can round differently, and the
    segment cache must not mix the two (found when a fresh install's demo printed another MP3 digest).
    """
    from importlib import metadata

    try:
        return f"ort={metadata.version('onnxruntime')}"
    except metadata.PackageNotFoundError:  # a build that ships onnxruntime under another name
        return "ort=unknown"


def release_voices() -> int:
    """Unload the models of every engine this process loaded (``watch`` keeps them between builds, and lets
    them go once it has been idle a while); returns how many were loaded. Imports no engine."""
    import sys

    released = 0
    for target in ENGINES.values():
        module = sys.modules.get(target.partition(":")[0])
        loaded, release = getattr(module, "loaded_voices", None), getattr(module, "release_models", None)
        if callable(loaded) and callable(release):
            released += loaded()
            release()
    return released


def engine_class(name: str) -> Any:
    """The class registered as engine ``name`` (imported now).

    :raises ConfigError: no engine has that name.
    """
    try:
        target = ENGINES[name]
    except KeyError:
        from ..errors import ConfigError

        raise ConfigError(f"unknown engine '{name}'; choose one of: {', '.join(sorted(ENGINES))}") from None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def get_engine(name: str, **options: Any) -> TTSEngine:
    """Create engine ``name`` with ``options`` (e.g. ``voice=``); options set to None are dropped.

    :raises ConfigError: no engine has that name.
    :raises EngineUnavailable: the engine cannot run here.
    """
    cls = engine_class(name)
    engine = cls(**{k: v for k, v in options.items() if v is not None})
    assert isinstance(engine, TTSEngine)
    return engine


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """Whether an engine can run here, and if not, why and how to fix it."""

    name: str
    description: str
    available: bool
    detail: str
    voices: tuple[str, ...]
    language_voice: str | None = None
    """The voice it would speak the asked-for language with (``engines --language``)."""
    languages: tuple[str, ...] = ()
    default_voice: str | None = None
    """The voice it speaks when none is named (its constructor's default, or the configuration's)."""


def engine_statuses(*, online: bool = False, language: str | None = None, **options: Any) -> list[EngineStatus]:
    """Try to create every registered engine (except the test engine) and report the outcome.

    Offline by default: an online engine is checked for what it needs here, not for its service
    (``online=True`` contacts it). With ``language``, each says which voice would speak it.
    """
    options.setdefault("gtts", {"check_network": online})
    statuses = []
    for name in ENGINES:
        if name == "fake":
            continue
        try:
            cls = engine_class(name)
            description = cls.description
            engine = cls(**options.get(name, {}))
            detail = "ready" if name != "gtts" or online else "installed (the service was not contacted; --online checks it)"
            default = getattr(engine, "voice_name", None) or getattr(engine, "voice", None)
            voices = tuple(cls.voices())
            if default in voices:  # the default first, so the list and the configuration agree
                voices = (default, *(v for v in voices if v != default))
            statuses.append(EngineStatus(name, description, True, detail, voices,
                                         cls.voice_for(language) if language else None, tuple(cls.languages()),
                                         default_voice=default))
        except AudiobriefError as exc:
            statuses.append(EngineStatus(name, locals().get("description", ""), False, str(exc), ()))
    return statuses
