"""Content rules: precision and recall per rule on the evaluation corpus, and the time to check
adversarial 2,000-character texts (issue target: < 20 ms each).

The corpus (`tests/fixtures/alert_corpus.jsonl`) holds operator texts written from the doctrine,
each with the rule ids it must break (none for a lawful text). A rule's precision is the share of
its findings that were expected, its recall the share of expected findings it made.
Usage: `make rules-report` (this benchmark alone) or `make bench` (all of them).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "alert_corpus.jsonl"
TARGET_MS = 20.0
ADVERSARIAL_LENGTH = 2000


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def found_rules(entry: dict[str, Any]) -> set[str]:
    from chalicelib import rules

    findings = rules.check_alert(text=entry["text"], offence_type=entry["offence_type"], offence_established=True)
    return {f.rule for f in findings}


def scores(corpus: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per rule: true positives, false positives, false negatives."""
    counts: dict[str, Counter[str]] = {}
    for entry in corpus:
        expected, found = set(entry["rules"]), found_rules(entry)
        for rule in expected | found:
            tally = counts.setdefault(rule, Counter())
            tally["tp" if rule in expected and rule in found else "fp" if rule in found else "fn"] += 1
    return {rule: {k: tally[k] for k in ("tp", "fp", "fn")} for rule, tally in sorted(counts.items())}


def adversarial_texts() -> dict[str, str]:
    """2,000-character texts built to make a backtracking pattern work hard: runs of the characters
    that patterns repeat (letters, hyphens, dots, digits, spaces), of the words they start with,
    and near-misses of what they look for."""
    pieces = {
        "a-": "a-", "a.": "a.", "a@": "a@", "a.a-": "a.a-", "espaces": "a ", "chiffres": "1 ", "+3": "+3",
        "zéro": "0 ", "tirets": "-", "apostrophes": "a'", "lettres": "x", "accents": "é", "e + accent": "e\u0301",
        "majuscules": "Aa ", "A-": "A-", "www.": "www.", "plaque": "aa-123-", "AB 1": "AB 1", "12 rue": "12 ",
        "prénoms": "Jean ", "initiales": "Jean D. ", "civilités": "Mme ", "hommes vus": "hommes ",
        "personne a": "personne a ", "de type": "de type ", "vol de": "vol de ", "chat": "chat ",
        "invisibles": "a\u200b", "cyrillique": "\u0435a", "lettre à lettre": "s u s p e c t ", "à à": "à ",
        "a.b.": "a.b.", "Rom-": "Rom-", "Roms": "Des Roms ",
    }  # fmt: skip
    return {
        name: (piece * (ADVERSARIAL_LENGTH // len(piece) + 1))[:ADVERSARIAL_LENGTH] for name, piece in pieces.items()
    }


def check_time_ms(text: str, rounds: int = 9) -> float:
    """CPU time of one full check (best of `rounds`: the machine is shared)."""
    from chalicelib import rules

    def once() -> None:
        rules.check_alert(text=text, offence_type="cambriolage_habitation", offence_established=True)

    once()  # patterns compiled, first names and commune index loaded
    return min(_cpu_ms(once) for _ in range(rounds))


def run() -> list[dict[str, Any]]:
    corpus = load_corpus()
    rows = [_row("corpus", "texts (lawful / unlawful)", len(corpus), f"{sum(not e['rules'] for e in corpus)} lawful")]
    total = Counter[str]()
    for rule, tally in scores(corpus).items():
        total.update(tally)
        rows.append(_row(f"rule {rule}", "precision", _ratio(tally["tp"], tally["tp"] + tally["fp"]), "%"))
        rows.append(_row(f"rule {rule}", "recall", _ratio(tally["tp"], tally["tp"] + tally["fn"]), "%"))
    precision, recall = _ratio(total["tp"], total["tp"] + total["fp"]), _ratio(total["tp"], total["tp"] + total["fn"])
    rows.append(_row("all rules", "precision", precision, "%", target="100", ok=not total["fp"]))
    rows.append(_row("all rules", "recall", recall, "%", target="100", ok=not total["fn"]))
    timings = {name: check_time_ms(text) for name, text in adversarial_texts().items()}
    worst = max(timings, key=timings.__getitem__)
    rows.append(
        _row(
            f"adversarial {ADVERSARIAL_LENGTH} chars ({len(timings)} texts)",
            f"worst check, CPU ({worst})",
            timings[worst],
            "ms",
            target=f"< {TARGET_MS:.0f}",
            ok=timings[worst] < TARGET_MS,
        )
    )
    lawful = next(e["text"] for e in corpus if not e["rules"])
    rows.append(_row("lawful alert (≤ 160 chars)", "check, CPU", check_time_ms(lawful, rounds=20), "ms"))
    return rows


def _cpu_ms(work: Callable[[], None]) -> float:
    started = time.thread_time()
    work()
    return (time.thread_time() - started) * 1000


def _ratio(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def _row(
    benchmark: str, metric: str, value: Any, unit: str, *, target: str = "", ok: bool | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {"benchmark": benchmark, "metric": metric, "value": value, "unit": unit}
    if target:
        row["target"], row["ok"] = target, ok
    return row
