"""The exception tree of audiobrief.

Every error audiobrief raises on purpose derives from :class:`AudiobriefError`; only
:mod:`audiobrief.cli` turns them into messages and exit codes::

    AudiobriefError
     +-- BriefError(ValueError)      an input brief that cannot be used
     +-- ConfigError(ValueError)     a bad audiobrief.toml or option value
     +-- TemplateError               a script template that fails to render
     +-- TTSError
     |    +-- EngineUnavailable      the engine cannot run here (missing binary, package, network)
     |    +-- SynthesisError         one segment could not be synthesized, or came out wrong
     +-- AudioError                  ffmpeg missing or failing, or an episode that is wrong
     +-- FeedError(ValueError)       the feed or the episode store cannot be built
     +-- PublishError                copying a show to a host folder or object storage failed
     +-- ClusterError                the dask scheduler cannot be reached, or the cluster failed
     +-- CheckError                  ``audiobrief check`` found errors in a published show
"""

from __future__ import annotations

__all__ = [
    "AudioError",
    "AudiobriefError",
    "BriefError",
    "CheckError",
    "ClusterError",
    "ConfigError",
    "EngineUnavailable",
    "FeedError",
    "NoVoiceError",
    "PublishError",
    "SynthesisError",
    "TTSError",
    "TemplateError",
]


class AudiobriefError(Exception):
    """Root of every error audiobrief raises deliberately."""


class BriefError(AudiobriefError, ValueError):
    """A brief cannot be used.

    The message names the file, the line or field, what was expected, and what to do.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = path or "<brief>"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class ConfigError(AudiobriefError, ValueError):
    """The configuration file or an option has a value audiobrief cannot use."""


class TemplateError(AudiobriefError):
    """A script template failed to load or render."""


class TTSError(AudiobriefError):
    """Base for text-to-speech problems."""


class EngineUnavailable(TTSError):
    """The engine cannot run on this machine; the message says how to fix that."""


class NoVoiceError(TTSError):
    """No engine here has a voice for a brief's language (another engine would not help: install one)."""


class SynthesisError(TTSError):
    """One piece of text could not be synthesized, or its audio failed a check."""


class AudioError(AudiobriefError):
    """ffmpeg is missing or failed, or the assembled episode failed a check."""


class FeedError(AudiobriefError, ValueError):
    """The feed or the episode store cannot be built or read."""


class PublishError(AudiobriefError):
    """A show folder cannot be published (copied) to its destination."""


class CheckError(AudiobriefError):
    """``audiobrief check`` found errors in a published show."""


class ClusterError(AudiobriefError):
    """The dask.distributed scheduler cannot be reached, or its cluster cannot do the work."""
