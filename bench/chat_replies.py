"""Chat answer and reply composition latency, in-process, one core.

    python bench/chat_replies.py [--repeat 5]

Chat: every question of corpus/chat_questions.yaml (with its history). Replies: a composition for
every label in es/fr/en plus multi-right cases. Baseline measured in the same run: the intent
ranking alone (nearest phrasings of the bank) over the same questions, the floor under any answer.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import percentile, timed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from assistant.chat import get_engine
    from assistant.chat_eval import load_questions
    from assistant.replies import ReplyContext, compose_reply

    start = time.perf_counter()
    engine = get_engine()
    engine.answer("warm-up")
    load_s = time.perf_counter() - start
    questions = load_questions()
    baseline = timed(lambda q: engine.index.rank(q["q"], q["lang"]), questions, args.repeat)
    chat = timed(lambda q: engine.answer(q["q"], None, q.get("history")), questions, args.repeat)

    contexts = [
        ReplyContext(labels=(label,), language=lang, received=date(2026, 3, 10))
        for lang in ("es", "fr", "en")
        for label in engine.kb.right_ids
    ]
    contexts += [
        ReplyContext(labels=("access", "erasure", "objection_marketing"), language=lang, received=date(2026, 1, 31))
        for lang in ("es", "fr", "en")
    ]
    replies = timed(compose_reply, contexts, args.repeat * 4)

    figures = {
        "chat_p50_ms": round(statistics.median(chat) * 1000, 3),
        "chat_p99_ms": round(percentile(chat, 0.99) * 1000, 3),
        "reply_p50_ms": round(statistics.median(replies) * 1000, 3),
        "reply_p99_ms": round(percentile(replies, 0.99) * 1000, 3),
        "baseline_rank_p50_ms": round(statistics.median(baseline) * 1000, 3),
        "chat_to_rank_p50_ratio": round(statistics.median(chat) / statistics.median(baseline), 2),
        "engine_load_s": round(load_s, 2),
        "questions": len(questions),
        "reply_cases": len(contexts),
    }
    print(
        f"chat: p50 {figures['chat_p50_ms']} ms, p99 {figures['chat_p99_ms']} ms "
        f"({len(questions)} questions x {args.repeat}); intent ranking alone p50 {figures['baseline_rank_p50_ms']} ms"
    )
    print(f"replies: p50 {figures['reply_p50_ms']} ms, p99 {figures['reply_p99_ms']} ms ({len(contexts)} cases)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
