"""`python -m knowledge check|show|search`: validate the knowledge base, read it, search it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .base import KnowledgeError, load
from .check import default_source_path, run_checks, summarise_scores


def _cmd_check(args: argparse.Namespace) -> int:
    try:
        kb = load()
    except KnowledgeError as exc:
        print(f"FAIL schema: {exc}", file=sys.stderr)
        return 1
    report = run_checks(kb, Path(args.source) if args.source else default_source_path())
    if args.verbose:
        for clause_id, score, sentence in sorted(report.sentence_scores, key=lambda r: r[1]):
            print(f"{score:6.1f}  {clause_id:38s} {sentence[:80]}")
    stats = summarise_scores(report.sentence_scores)
    print(
        f"knowledge {kb.version}: {len(kb.clauses)} clauses, {len(kb.rules)} GDPR rules, "
        f"{sum(len(c.facts) for c in kb.clauses)} facts; French sentences checked: {stats.get('sentences', 0)}, "
        f"lowest match {stats.get('min', 0):.1f}, median {stats.get('median', 0):.1f}"
    )
    for problem in report.problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if report.ok:
        print("OK: schema, facts, sentence traceability and source coverage")
        return 0
    print(f"{len(report.problems)} problem(s)", file=sys.stderr)
    return 1


def _cmd_show(args: argparse.Namespace) -> int:
    kb = load()
    if args.lang not in kb.text_languages:
        print(f"no rendering in {args.lang!r}; languages: {', '.join(kb.text_languages)}", file=sys.stderr)
        return 2
    try:
        entry = kb.entry(args.id)
    except KeyError:
        print(f"no clause or rule {args.id!r}; ids: {', '.join(c.id for c in kb.clauses)}", file=sys.stderr)
        return 1
    print(f"[{entry.id}] {entry.title_in(args.lang)}")
    print(entry.text_in(args.lang))
    for fact in entry.facts:
        print(f"  - {fact.kind}: {fact.value}" + (f"  ({fact.quote})" if fact.quote else ""))
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from .search import ClauseIndex

    index = ClauseIndex(load())
    for hit in index.search(args.question, lang=args.lang or "es", limit=args.limit):
        print(f"{hit.score:5.2f}  {hit.entry.id:38s} {hit.entry.title_in(args.lang or 'es')}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate schema, facts and traceability to the source; exit 1 on failure")
    check.add_argument("--source", help="the OCR'd policy text (default: ../shared/policy/...)")
    check.add_argument("-v", "--verbose", action="store_true", help="print every sentence's match score")
    check.set_defaults(func=_cmd_check)
    show = sub.add_parser("show", help="print one clause or rule")
    show.add_argument("id")
    show.add_argument("--lang", default="fr", help="fr (the source) or a rendering: es, en, ca (languages.yaml)")
    show.set_defaults(func=_cmd_show)
    search = sub.add_parser("search", help="the clauses that best answer a question")
    search.add_argument("question")
    search.add_argument("--lang", help="the question's language, for stemming (default es)")
    search.add_argument("--limit", type=int, default=5)
    search.set_defaults(func=_cmd_search)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
