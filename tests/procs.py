"""A build in its own process, for the tests that need real processes: races, locks and kills.

``python -m tests.procs '{"briefs": [...], "out": "...", ...}'`` runs one build with a fake engine
(optionally slow), starting at ``start_at`` (a shared wall-clock time, so two processes race),
and can SIGKILL itself at a named point of the build:

- ``synthesis``: after the third segment is spoken;
- ``encoding``: halfway through writing the episode's audio file;
- ``media``: after the episode files are moved into place, before the store and the feeds;
- ``feed``: after the store, JSON feeds and site are written, just before the RSS feed;
- ``hold``: take the folder's lock, say "locked" on stdout, and die while holding it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(args: dict[str, Any]) -> int:
    from audiobrief import pipeline
    from audiobrief.publishing import store
    from audiobrief.cache import SegmentCache
    from audiobrief.config import Settings
    from audiobrief.tts.fake import FakeEngine

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    out = Path(args["out"])
    kill_at = args.get("kill_at")
    if kill_at == "hold":
        from audiobrief.publishing.publication import folder_lock

        out.mkdir(parents=True, exist_ok=True)
        with folder_lock(out, command="test"):
            print("locked", flush=True)
            time.sleep(float(args.get("hold_s", 0)))
            if not args.get("release"):
                _die()
        return 0

    delay_s = float(args.get("delay_s", 0))

    class Slow(FakeEngine):
        def synthesize(self, text: str):  # type: ignore[no-untyped-def]
            time.sleep(delay_s)
            yield from super().synthesize(text)

    engine = Slow(ms_per_word=120)
    progress = None
    if kill_at == "synthesis":
        def progress(event: Any) -> None:
            if event.stage == "segment" and event.synthesized >= 3:
                _die()
    elif kill_at == "encoding":
        import audiobrief.audio as audio

        def encode_episode(timeline: Any, path: Path, *rest: Any, **kwargs: Any) -> Any:
            path.write_bytes(b"\xff\xfb" + b"\x00" * 50_000)  # half an MP3
            _die()
        audio.encode_episode = encode_episode  # type: ignore[assignment]
    elif kill_at == "media":
        def write_show(*a: Any, **k: Any) -> None:
            _die()
        pipeline.write_show = write_show  # type: ignore[assignment]
    elif kill_at == "feed":
        real = store.atomic_write

        def atomic_write(path: Path, data: bytes) -> None:
            if path.name == "feed.xml":
                _die()
            real(path, data)
        store.atomic_write = atomic_write  # type: ignore[assignment]
    start_at = float(args.get("start_at", 0))
    while time.time() < start_at:
        time.sleep(0.005)
    cache = SegmentCache(Path(args["cache"])) if args.get("cache") else None
    result = pipeline.build(args["briefs"], out, Settings(), engines={"host": engine, "narrative": engine},
                            cache=cache, progress=progress, wait=not args.get("no_wait"), jobs=1)
    print(json.dumps({"synthesized": result.segments_synthesized, "cached": result.segments_cached,
                      "episodes": result.feed_episode_count}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
