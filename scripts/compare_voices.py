#!/usr/bin/env python3
"""Compare voice arrangements by measurement, in one run: WER (Whisper base), DNSMOS, build time, peak RSS.

    .venv/bin/python scripts/compare_voices.py [--runs N] [--only a,c] [--json FILE]

Arrangements: (a) hibari "heart" for every role; (b) hibari heart as host, Piper joe for the
narratives; (c) Piper joe everywhere. Each builds the example brief and two more (cold: no
cache) in its own process, which reports its wall time and peak RSS. Each episode is then
transcribed offline with faster-whisper (Whisper base, int8) and compared, word for word, with
the words the script says (its transcript file), and scored by DNSMOS (P.808 and overall, the
speechmos package). With --runs N the whole comparison is made N times and each figure is
printed as the range over the runs. Needs the speech extra: .venv/bin/pip install -e ".[speech]".
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
BRIEFS = [ROOT / "examples" / "seed-brief.txt", ROOT / "tests" / "data" / "briefs" / "lite-variants.txt",
          ROOT / "tests" / "data" / "briefs" / "story-page.txt"]
ARRANGEMENTS = {
    "a: hibari heart everywhere": '[voices]\nhost = "hibari:heart"\nnarrative = "hibari:heart"\n',
    "b: hibari host, piper narratives": '[voices]\nhost = "hibari:heart"\nnarrative = "piper:joe"\n',
    "c: piper joe everywhere": '[voices]\nhost = "piper:joe"\nnarrative = "piper:joe"\n',
}

# Peak memory is the process's own high-water mark (VmHWM). Not ru_maxrss: on exec, Linux folds
# the parent's high-water mark into the child's (the spawning process holds Whisper and DNSMOS, so
# every build after the first read as ~950 MB whatever it used).
BUILD = r'''
import re, sys, time
from audiobrief.cli import cli
started = time.perf_counter()
try:
    cli(sys.argv[1:], standalone_mode=False)
finally:
    status = open("/proc/self/status").read()
    peak_kb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    print(f"MEASURE {time.perf_counter() - started:.3f} {peak_kb / 1024:.0f}", file=sys.stderr)
'''


def _audio_16k(path: Path):  # type: ignore[no-untyped-def]
    import numpy as np
    from pedalboard.io import AudioFile

    with AudioFile(str(path)).resampled_to(16_000) as handle:
        samples = handle.read(handle.frames)
    return np.clip(samples.mean(axis=0), -1, 1).astype(np.float32)


def _arrangement(name: str, toml: str, tmp: Path, model, dnsmos) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from check_speech import distance, words

    from audiobrief.languages import words_for

    config = tmp / f"{name[0]}.toml"
    config.write_text(toml)
    out = tmp / f"out-{name[0]}"
    shutil.rmtree(out, ignore_errors=True)
    run = subprocess.run([sys.executable, "-c", BUILD, "-q", "build", *map(str, BRIEFS), "--out", str(out),
                          "--config", str(config), "--no-cache", "--date", "2023-09-13"],
                         capture_output=True, text=True, cwd=ROOT)
    measure = [line for line in run.stderr.splitlines() if line.startswith("MEASURE")]
    if run.returncode != 0 or not measure:
        raise SystemExit(f"{name}: build failed\n{run.stderr}")
    seconds, peak_mb = (float(x) for x in measure[-1].split()[1:])
    errors = total = 0
    p808, overall, audio_s = [], [], 0.0
    for episode in json.loads((out / "episodes.json").read_text())["episodes"]:
        audio = _audio_16k(out / episode["audio_file"])
        audio_s += len(audio) / 16_000
        segments, _ = model.transcribe(audio, language="en", beam_size=5)
        heard = " ".join(s.text for s in segments)
        text = (out / episode["transcripts"]["text"]).read_text(encoding="utf-8").splitlines()[1:]
        note = words_for(episode.get("language") or "en").disclosure.line  # the header saying who reads it
        said = " ".join(line for line in text if line.strip() and not line.startswith("#") and line != note)
        intended = words(said)
        errors += distance(intended, words(heard))
        total += len(intended)
        score = dnsmos.run(audio, 16_000)
        p808.append(float(score["p808_mos"]))
        overall.append(float(score["ovrl_mos"]))
    return {"wer": errors / total, "words": total, "dnsmos_p808": sum(p808) / len(p808),
            "dnsmos_ovrl": sum(overall) / len(overall), "build_s": seconds, "peak_rss_mb": peak_mb, "audio_s": audio_s}


def _span(values: list[float], digits: int) -> str:
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if round(low, digits) == round(high, digits) else f"{low:.{digits}f}-{high:.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--runs", type=int, default=1, help="make the comparison this many times (ranges)")
    parser.add_argument("--only", default="", help="letters of the arrangements to run (default: all)")
    args = parser.parse_args()
    from check_speech import model_dir
    from faster_whisper import WhisperModel
    from speechmos import dnsmos

    model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=2)
    chosen = {name: toml for name, toml in ARRANGEMENTS.items() if not args.only or name[0] in args.only.split(",")}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in chosen}
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(1, args.runs + 1):
            for name, toml in chosen.items():
                r = _arrangement(name, toml, Path(tmp), model, dnsmos)
                runs[name].append(r)
                print(f"run {number}: {name:<34} WER {r['wer']:.3f}  DNSMOS P.808 {r['dnsmos_p808']:.2f} / OVRL "
                      f"{r['dnsmos_ovrl']:.2f}  build {r['build_s']:.1f} s  peak {r['peak_rss_mb']:.0f} MB  audio "
                      f"{r['audio_s']:.0f} s", flush=True)
    if args.runs > 1:
        print()
        for name, results in runs.items():
            def span(key: str, digits: int, results: list[dict[str, float]] = results) -> str:
                return _span([r[key] for r in results], digits)

            print(f"{name:<34} WER {span('wer', 3)}  DNSMOS P.808 {span('dnsmos_p808', 2)} / OVRL "
                  f"{span('dnsmos_ovrl', 2)}  build {span('build_s', 1)} s  peak {span('peak_rss_mb', 0)} MB")
    if args.json:
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
