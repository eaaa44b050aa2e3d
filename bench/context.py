"""Precision and recall of the context check, per finding code, on the labelled corpus.

The corpus is ``tests/core/context_corpus.json``: workplace messages written for this
project, each with the codes a careful reader would expect. The check favours precision
(a hint on a good message teaches people to ignore hints), so recall is the figure that
says what it still misses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, section_header, table, write_section  # noqa: E402

from tidings.core.context import CODES, check_draft  # noqa: E402

CORPUS = ROOT / "tests" / "core" / "context_corpus.json"
OPTIONS = ("priority", "asks", "has_deadline", "has_attachment")


def evaluate(corpus: list[dict]) -> tuple[dict[str, Counter[str]], float]:
    """Per code, true/false positives and false negatives; and seconds per message."""
    counts: dict[str, Counter[str]] = {code: Counter() for code in CODES}
    start = time.perf_counter()
    for item in corpus:
        options = {key: item[key] for key in OPTIONS if key in item}
        got = {finding.code for finding in check_draft(item["body"], **options)}
        want = set(item["expected"])
        for code in CODES:
            counts[code]["tp"] += code in got and code in want
            counts[code]["fp"] += code in got and code not in want
            counts[code]["fn"] += code not in got and code in want
    return counts, (time.perf_counter() - start) / max(len(corpus), 1)


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-doc", action="store_true", help="Print only; leave docs/ alone")
    args = parser.parse_args()
    corpus = json.loads(CORPUS.read_text())
    counts, per_message = evaluate(corpus)
    rows = []
    for code in CODES:
        tp, fp, fn = counts[code]["tp"], counts[code]["fp"], counts[code]["fn"]
        rows.append((code, tp + fn, tp, fp, fn, ratio(tp, tp + fp), ratio(tp, tp + fn)))
    report = table(
        ["code", "labelled", "true pos.", "false pos.", "missed", "precision", "recall"], rows
    )
    clean = sum(not item["expected"] for item in corpus)
    summary = (
        f"{len(corpus)} messages, {clean} of them with no finding expected; "
        f"{per_message * 1e6:.0f} µs per message checked. The rules were tuned on this "
        "corpus, so these are development figures: a held-out set would score lower, "
        "recall first."
    )
    print(report + "\n\n" + summary)
    if not args.no_doc:
        body = (
            section_header("none (a pure function, in-process)") + "\n" + summary + "\n\n" + report
        )
        write_section("context", "## The context check\n\n" + body)


if __name__ == "__main__":
    main()
