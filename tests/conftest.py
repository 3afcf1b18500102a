"""Shared fixtures: the example brief, a fake engine, tool detection, golden files."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from audiobrief.config import Settings
from audiobrief.tts.fake import FakeEngine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
DATE = dt.datetime(2023, 9, 13, 6, 0, tzinfo=dt.UTC)


# Deterministic property tests: the same examples every run (and no example database in the tree).
hypothesis_settings.register_profile("audiobrief", derandomize=True, database=None)
hypothesis_settings.load_profile("audiobrief")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/* from the current output")


def has_program(name: str) -> bool:
    """Whether ``name`` is on PATH (tests needing it are skipped otherwise)."""
    return shutil.which(name) is not None


needs_ffprobe = pytest.mark.skipif(not has_program("ffprobe"), reason="ffprobe not installed (apt-get install ffmpeg)")
needs_espeak = pytest.mark.skipif(not has_program("espeak-ng"), reason="espeak-ng not installed")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own segment cache: nothing is read from or left in the user's."""
    monkeypatch.setenv("AUDIOBRIEF_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _root_log_level() -> Iterator[None]:
    """The CLI sets the root logger's level (-q, -v); each test starts from the default."""
    import logging

    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.fixture
def seed_path() -> Path:
    return EXAMPLES / "seed-brief.txt"


@pytest.fixture
def fake_engines() -> dict[str, FakeEngine]:
    engine = FakeEngine()
    return {"host": engine, "narrative": engine}


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with ``tests/golden/<name>``; ``--update-goldens`` rewrites it instead."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update or not path.exists():
            if not update:
                pytest.fail(f"golden file {path} is missing; run with --update-goldens and review it")
            path.write_text(actual, encoding="utf-8")
            return
        assert actual == path.read_text(encoding="utf-8"), f"differs from {path} (review, then --update-goldens)"

    return check


@contextlib.contextmanager
def serving(folder: Path, prepare: Callable[[str], None]) -> Iterator[str]:
    """Serve ``folder`` with ``audiobrief serve``'s server on a free loopback port.

    ``prepare(base_url)`` runs before serving starts (builds need the URL they will be served at).
    Yields the base URL; the server is stopped afterwards.
    """
    from audiobrief.serve import make_server

    server = make_server(folder, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    prepare(base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
