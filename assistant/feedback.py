"""What visitors ask the chat that the policy does not answer: their yes/no on each answer (issue #16).

    python -m assistant chat-report [--limit 15]   intents most often unanswered or marked unhelpful,
                                                   with masked example questions: the DPO's to-do list

The widget sends the question again with the visitor's verdict; the answer is worked out again here
(the chat is deterministic), so nothing the visitor could forge reaches the figures but the yes/no.
The question is kept only masked (assistant.nlp.masking) and only CHAT_QUESTION_RETENTION_DAYS.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from .nlp.masking import mask
from .store import ChatFeedback, repo

MAX_EXAMPLES = 3


def intent_of(answer: dict[str, Any]) -> str:
    """What the visitor wanted, as the chat understood it: its kind of answer and the intent it
    recognised (else the clause it drew on).

    >>> intent_of({"kind": "answer", "intent": "retention.cv", "citations": [{"id": "web.job_applications"}]})
    'answer:retention.cv'
    >>> intent_of({"kind": "no_answer", "citations": []})
    'no_answer'
    """
    citations = answer.get("citations") or []
    topic = answer.get("intent") or (citations[0].get("id") if citations else None)
    return f"{answer.get('kind') or 'answer'}:{topic}" if topic else str(answer.get("kind") or "answer")


def record(session: Session, question: str, lang: str | None, history: list[str], helpful: bool) -> ChatFeedback:
    """Store a yes/no: the intent and answer the chat gives this question, and the question masked."""
    from .chat import answer

    given = answer(question, lang, history).to_dict()
    return repo.record_chat_feedback(
        session,
        intent=intent_of(given),
        answered=bool(given.get("answered")),
        answer=mask(str(given.get("text") or ""))[:4000],
        language=str(given.get("language") or lang or ""),
        helpful=helpful,
        masked_question=mask(question),
    )


@dataclass
class IntentLine:
    intent: str
    asked: int = 0
    unhelpful: int = 0
    unanswered: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def misses(self) -> int:
        return self.unhelpful + self.unanswered


def report(rows: Sequence[ChatFeedback], limit: int = 15) -> list[IntentLine]:
    """Intents by how often they were unanswered or unhelpful, worst first; the ones never missed left out."""
    lines: dict[str, IntentLine] = defaultdict(lambda: IntentLine(""))
    for row in rows:
        line = lines[row.intent]
        line.intent = row.intent
        line.asked += 1
        missed = (not row.helpful) or (not row.answered)
        line.unhelpful += int(not row.helpful)
        line.unanswered += int(not row.answered)
        if missed and row.masked_question and len(line.examples) < MAX_EXAMPLES:
            line.examples.append(row.masked_question)
    ranked = sorted((x for x in lines.values() if x.misses), key=lambda x: (-x.misses, -x.asked, x.intent))
    return ranked[:limit]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from .config import load_config
    from .store import check_schema, make_engine, session_factory

    parser = argparse.ArgumentParser(
        prog="python -m assistant chat-report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--limit", type=int, default=15)
    args = parser.parse_args(argv)
    engine = make_engine(load_config().database_url)
    check_schema(engine)
    with session_factory(engine)() as session:
        rows = repo.chat_feedback(session)
        lines = report(rows, args.limit)
    print(f"{len(rows)} answers rated by visitors; intents most often unanswered or unhelpful:")
    if not lines:
        print("  none yet")
    for line in lines:
        print(f"  {line.intent}: {line.misses} missed of {line.asked} (unhelpful {line.unhelpful}, "
              f"unanswered {line.unanswered})")  # fmt: skip
        for example in line.examples:
            print(f"      “{example}”")
    return 0


if __name__ == "__main__":
    sys.exit(main())
