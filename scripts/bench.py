#!/usr/bin/env python3
"""Benchmark: the whole build against the raw engine, in one run, as ratios.

    .venv/bin/python scripts/bench.py [BRIEF]

Measures, for the same script:
  raw      Piper synthesizing the script's text directly (the floor: what any tool must spend);
  pipeline audiobrief's build (parse, script, per-sentence synthesis with checks, mastering, encoding,
           tagging, transcripts, feed).
Reports the time ratio pipeline/raw and the peak resident memory ratio pipeline/raw.
Targets: time ratio <= 2.5, memory ratio <= 1.5 for the example brief. (Most of the memory above the
raw run is onnxruntime's arena growing for the longest sentence; the non-TTS stages measure ~35 MB.)
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    brief_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "seed-brief.txt"
    from audiobrief.brief import load_brief
    from audiobrief.config import Settings
    from audiobrief.pipeline import build, make_engines, script_for

    settings = Settings()
    engines = make_engines(settings)  # loads the voice once; both phases share it
    script = script_for(load_brief(brief_path), settings, published=dt.datetime.now(dt.UTC))
    engine = engines["host"]
    list(engine.synthesize("Warm up."))
    base_mb = _peak_mb()

    start = time.perf_counter()
    samples = 0
    for segment in script.segments:
        for chunk in engine.synthesize(segment.text):
            samples += len(chunk.pcm) // 2
            rate = chunk.sample_rate_hz
    raw_s = time.perf_counter() - start
    raw_mb = _peak_mb()

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = build([brief_path], out, settings, engines=engines)
        pipeline_s = time.perf_counter() - start
    pipeline_mb = _peak_mb()
    audio_s = samples / rate
    episode_s = result.episodes[0].duration_ms / 1000
    print(f"brief            {brief_path.name} ({script.word_count} words)")
    print(f"raw engine       {raw_s:6.2f} s for {audio_s:6.1f} s of speech ({audio_s / raw_s:5.1f}x real time)")
    print(f"pipeline         {pipeline_s:6.2f} s for {episode_s:6.1f} s episode ({episode_s / pipeline_s:5.1f}x real time)")
    print(f"time ratio       {pipeline_s / raw_s:6.2f}  (pipeline / raw engine; target <= 2.5)")
    print(f"peak memory      voice loaded {base_mb:.0f} MB, raw {raw_mb:.0f} MB, pipeline {pipeline_mb:.0f} MB")
    print(f"memory ratio     {pipeline_mb / raw_mb:6.2f}  (pipeline / raw engine peak RSS; target <= 1.5)")
    ok = pipeline_s / raw_s <= 2.5 and pipeline_mb / raw_mb <= 1.5
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
