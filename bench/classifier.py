"""Classifier speed and memory: load time, analyze() latency p50/p99, throughput, peak RSS.

    python bench/classifier.py [--repeat 3]

Pinned to one core. Three message sets: the corpus test split as written; the same messages
padded to ~2 KB with a quoted earlier message and a disclaimer (the issue's reference size); and
long letters of 8-12 KB, each a written formal letter of the corpus continued with other letters
of its language (issue 11: real letters are long, formal and enumerative).
Each set is timed ``--repeat`` times; a figure is the median of its value in each pass. Every call
is timed twice: wall clock (what a caller waits, inflated when other work shares the core) and the
thread's CPU time (what analyze() itself costs, much less sensitive to a busy machine).
Baselines measured in the same run: bare spaCy tokenisation of the same texts, the floor any
spaCy-based classifier pays; and, for long letters, analyze() with the lexicon matcher trying every
candidate pattern (``indexed=False``, how it matched before the sentence index).
Budgets (issue 11): p50 <= 5 ms on 2 KB, p99 <= 30 ms on long letters, load <= 2 s, RSS <= 300 MB.
Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import pad, percentile  # noqa: E402

from assistant.nlp.lexicon import LexiconMatcher  # noqa: E402

T = TypeVar("T")


def measure_load() -> dict[str, float]:
    """Import and model load in a fresh process, so nothing is cached; the process-wide analyzer, as the
    service builds it (its load includes the collection and freeze that keep the model out of GC passes)."""
    code = (
        "import time; t0=time.perf_counter();"
        "from assistant.nlp.analyze import get_analyzer; t1=time.perf_counter();"
        "a=get_analyzer(); t2=time.perf_counter(); a.analyze('', 'Borrad mis datos.'); t3=time.perf_counter();"
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


BUDGETS = {"p50_ms": 5.0, "long_p99_ms": 30.0, "load_s": 2.0, "peak_rss_mb": 300.0}


def passes(fn: Callable[[T], object], items: Sequence[T], repeat: int) -> list[tuple[list[float], list[float]]]:
    """For each of ``repeat`` passes over ``items``: (wall seconds, CPU seconds) of each call."""
    out = []
    for _ in range(repeat):
        wall, cpu = [], []
        for item in items:
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn(item)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
        out.append((wall, cpu))
    return out


def stat(runs: list[tuple[list[float], list[float]]], q: float | None, clock: int = 0) -> float:
    """Median over the passes of one pass's percentile ``q`` (None: its median), in ms."""
    values = [statistics.median(run[clock]) if q is None else percentile(run[clock], q) for run in runs]
    return round(statistics.median(values) * 1000, 3)


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
    base = passes(lambda m: tokenizer(m[0] + "\n" + m[1]), padded, args.repeat)
    plain = passes(lambda m: analyzer.analyze(*m), messages, args.repeat)
    two_kb = passes(lambda m: analyzer.analyze(*m), padded, args.repeat)
    long = passes(lambda m: analyzer.analyze(*m), letters, args.repeat)
    long_base = passes(lambda m: tokenizer(m[0] + "\n" + m[1]), letters, args.repeat)
    indexed, analyzer.matcher = analyzer.matcher, LexiconMatcher(analyzer.knowledge.lexicon, indexed=False)
    analyzer.analyze(*letters[0])
    long_unindexed = passes(lambda m: analyzer.analyze(*m), letters, args.repeat)
    analyzer.matcher = indexed
    throughput = len(padded) / statistics.median(sum(wall) for wall, _ in two_kb)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    figures = {
        "load_s": round(load["load_s"], 3),
        "import_s": round(load["import_s"], 3),
        "p50_ms": stat(two_kb, None),
        "p99_ms": stat(two_kb, 0.99),
        "long_p50_ms": stat(long, None),
        "long_p99_ms": stat(long, 0.99),
        "long_p50_cpu_ms": stat(long, None, 1),
        "long_p99_cpu_ms": stat(long, 0.99, 1),
        "p50_cpu_ms": stat(two_kb, None, 1),
        "long_letters": len(letters),
        "baseline_tokenize_long_p99_ms": stat(long_base, 0.99),
        "baseline_tokenize_long_p99_cpu_ms": stat(long_base, 0.99, 1),
        "baseline_unindexed_long_p50_ms": stat(long_unindexed, None),
        "baseline_unindexed_long_p99_ms": stat(long_unindexed, 0.99),
        "baseline_unindexed_long_p99_cpu_ms": stat(long_unindexed, 0.99, 1),
        "p50_ms_corpus": stat(plain, None),
        "p99_ms_corpus": stat(plain, 0.99),
        "throughput_msgs_per_s": round(throughput, 1),
        "peak_rss_mb": round(peak_rss, 1),
        "rss_after_load_mb": round(load["rss_after_load_mb"], 1),
        "baseline_tokenize_p50_ms": stat(base, None),
        "ratio_to_tokenize_p50": round(stat(two_kb, None) / stat(base, None), 2),
        "ratio_long_p99_to_tokenize": round(stat(long, 0.99) / stat(long_base, 0.99), 2),
        "messages": len(messages),
        "repeat": args.repeat,
        "load_average": round(os.getloadavg()[0], 2),
        "mean_chars_2kb_set": round(statistics.mean(len(b) for _, b in padded)),
    }
    figures["budgets_met"] = {key: figures[key] <= limit for key, limit in BUDGETS.items()}
    figures["budgets_met"]["long_p99_cpu_ms"] = figures["long_p99_cpu_ms"] <= BUDGETS["long_p99_ms"]
    print(
        f"2 KB messages ({len(padded)} x {args.repeat}): p50 {figures['p50_ms']} ms (CPU {figures['p50_cpu_ms']} ms), "
        f"p99 {figures['p99_ms']} ms, {figures['throughput_msgs_per_s']} msg/s on one core"
    )
    print(
        f"long letters 8-12 KB ({len(letters)} x {args.repeat}): p50 {figures['long_p50_ms']} ms, "
        f"p99 {figures['long_p99_ms']} ms; CPU time p50 {figures['long_p50_cpu_ms']} ms, "
        f"p99 {figures['long_p99_cpu_ms']} ms"
    )
    print(
        f"  baselines, same run: spaCy tokenisation alone p99 {figures['baseline_tokenize_long_p99_ms']} ms "
        f"(CPU {figures['baseline_tokenize_long_p99_cpu_ms']} ms); matcher trying every candidate: "
        f"p50 {figures['baseline_unindexed_long_p50_ms']} ms, p99 {figures['baseline_unindexed_long_p99_ms']} ms "
        f"(CPU {figures['baseline_unindexed_long_p99_cpu_ms']} ms)"
    )
    print(f"corpus test split as written: p50 {figures['p50_ms_corpus']} ms, p99 {figures['p99_ms_corpus']} ms")
    print(
        f"baseline (spaCy tokenisation only, same texts): p50 {figures['baseline_tokenize_p50_ms']} ms; "
        f"analyze() is {figures['ratio_to_tokenize_p50']}x that"
    )
    print(f"peak RSS {figures['peak_rss_mb']} MB; load average {figures['load_average']} (others share the machine)")
    for key, met in figures["budgets_met"].items():
        limit = BUDGETS.get(key, BUDGETS["long_p99_ms"])
        print(f"budget {key} <= {limit}: {'met' if met else 'NOT met'} ({figures[key]})")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
