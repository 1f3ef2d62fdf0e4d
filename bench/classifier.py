"""Classifier speed and memory: load time, analyze() latency p50/p99, throughput, peak RSS.

    python bench/classifier.py [--repeat 3]

Pinned to one core. Three message sets: the corpus test split as written; the same messages
padded to ~2 KB with a quoted earlier message and a disclaimer (the issue's reference size); and
long letters of 8-12 KB, each a written formal letter of the corpus continued with other letters
of its language (issue 11: real letters are long, formal and enumerative).
Baseline measured in the same run: bare spaCy tokenisation of the same texts, the floor any
spaCy-based classifier pays. Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import pad, percentile, timed  # noqa: E402


def measure_load() -> dict[str, float]:
    """Import and model load in a fresh process, so nothing is cached."""
    code = (
        "import time; t0=time.perf_counter();"
        "from assistant.nlp.analyze import Analyzer; t1=time.perf_counter();"
        "a=Analyzer(); t2=time.perf_counter(); a.analyze('', 'Borrad mis datos.'); t3=time.perf_counter();"
        "import resource; print(t1-t0, t2-t1, t3-t2, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    imports, load, first, rss_kb = out.stdout.split()
    return {
        "import_s": float(imports),
        "load_s": float(load),
        "first_call_s": float(first),
        "rss_after_load_mb": int(rss_kb) / 1024,
    }


def long_letters(rows: list[dict], low: int = 8_000, high: int = 12_000) -> list[tuple[str, str]]:
    """Each written formal letter continued with the next ones of its language to 8-12 KB."""
    by_lang: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("family") == "formal_letter":
            by_lang.setdefault(row["lang"], []).append(row)
    out = []
    for letters in by_lang.values():
        for i, row in enumerate(letters):
            body, j = row["body"], i
            while len(body) < low:
                j = (j + 1) % len(letters)
                body += "\n\n" + letters[j]["body"]
            out.append((row["subject"], body[:high]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says

    load = measure_load()
    print(
        f"fresh process: imports {load['import_s']:.2f}s, model load {load['load_s']:.2f}s, "
        f"first call {load['first_call_s'] * 1000:.1f}ms, RSS {load['rss_after_load_mb']:.0f} MB"
    )

    from assistant.nlp.analyze import get_analyzer
    from assistant.nlp.train import load_corpus

    analyzer = get_analyzer()
    rows = load_corpus(split="test")
    messages = [(r["subject"], r["body"]) for r in rows]
    padded = [(s, pad(b)) for s, b in messages]
    letters = long_letters(load_corpus())
    analyzer.analyze(*messages[0])  # warm-up

    tokenizer = analyzer.model.nlp.tokenizer
    base = timed(lambda m: tokenizer(m[0] + "\n" + m[1]), padded, args.repeat)
    plain = timed(lambda m: analyzer.analyze(*m), messages, args.repeat)
    two_kb = timed(lambda m: analyzer.analyze(*m), padded, args.repeat)
    long = timed(lambda m: analyzer.analyze(*m), letters, args.repeat)
    long_base = timed(lambda m: tokenizer(m[0] + "\n" + m[1]), letters, args.repeat)
    throughput = len(two_kb) / sum(two_kb)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    figures = {
        "load_s": round(load["load_s"], 3),
        "import_s": round(load["import_s"], 3),
        "p50_ms": round(statistics.median(two_kb) * 1000, 3),
        "p99_ms": round(percentile(two_kb, 0.99) * 1000, 3),
        "long_p50_ms": round(statistics.median(long) * 1000, 3),
        "long_p99_ms": round(percentile(long, 0.99) * 1000, 3),
        "long_letters": len(letters),
        "baseline_tokenize_long_p99_ms": round(percentile(long_base, 0.99) * 1000, 3),
        "p50_ms_corpus": round(statistics.median(plain) * 1000, 3),
        "p99_ms_corpus": round(percentile(plain, 0.99) * 1000, 3),
        "throughput_msgs_per_s": round(throughput, 1),
        "peak_rss_mb": round(peak_rss, 1),
        "rss_after_load_mb": round(load["rss_after_load_mb"], 1),
        "baseline_tokenize_p50_ms": round(statistics.median(base) * 1000, 3),
        "ratio_to_tokenize_p50": round(statistics.median(two_kb) / statistics.median(base), 2),
        "messages": len(messages),
        "mean_chars_2kb_set": round(statistics.mean(len(b) for _, b in padded)),
    }
    print(
        f"2 KB messages ({len(padded)} x {args.repeat}): p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"{figures['throughput_msgs_per_s']} msg/s on one core"
    )
    print(
        f"long letters 8-12 KB ({len(letters)} x {args.repeat}): p50 {figures['long_p50_ms']} ms, "
        f"p99 {figures['long_p99_ms']} ms (spaCy tokenisation alone: p99 {figures['baseline_tokenize_long_p99_ms']} ms)"
    )
    print(f"corpus test split as written: p50 {figures['p50_ms_corpus']} ms, p99 {figures['p99_ms_corpus']} ms")
    print(
        f"baseline (spaCy tokenisation only, same texts): p50 {figures['baseline_tokenize_p50_ms']} ms; "
        f"analyze() is {figures['ratio_to_tokenize_p50']}x that"
    )
    print(f"peak RSS {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
