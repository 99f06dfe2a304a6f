"""The evaluation corpus: realistic operator texts, every one judged as its label says, and every
adversarial text checked in under 20 ms."""

from collections import Counter

import pytest

from chalicelib import rules
from tools.benchmarks import rules as report

CORPUS = report.load_corpus()
CATEGORIES = (
    "suspicion", "unconfirmed", "named_person", "origin", "off_topic", "licence_plate", "phone_number", "email", "url",
    "street_address", "control_characters", "foreign_script",
)  # fmt: skip


def test_the_corpus_is_large_balanced_and_covers_every_category() -> None:
    assert len(CORPUS) >= 200
    lawful = sum(not entry["rules"] for entry in CORPUS)
    assert 0.4 <= lawful / len(CORPUS) <= 0.6
    labelled = Counter(rule for entry in CORPUS for rule in entry["rules"])
    for category in CATEGORIES:
        assert labelled[category] >= 3, category
    assert set(labelled) <= set(rules.RULES_BY_ID)
    assert len({entry["text"] for entry in CORPUS}) == len(CORPUS)


def test_lawful_texts_use_what_operators_really_write() -> None:
    lawful = " ".join(entry["text"] for entry in CORPUS if not entry["rules"])
    for sign in (" 17", "112", "114", "34", "h ", "rue ", "avenue ", "🔒", "CAMBRIOLAGES", "fenetres"):
        assert sign in lawful, sign


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry["text"][:40])
def test_every_corpus_text_breaks_exactly_the_rules_of_its_label(entry: dict) -> None:
    assert report.found_rules(entry) == set(entry["rules"])


def test_every_rule_has_full_precision_and_recall_on_the_corpus() -> None:
    for rule, tally in report.scores(CORPUS).items():
        assert tally["fp"] == tally["fn"] == 0, rule


@pytest.mark.parametrize("name", list(report.adversarial_texts()))
def test_an_adversarial_2000_character_text_is_checked_in_under_20_ms(name: str) -> None:
    text = report.adversarial_texts()[name]
    assert len(text) == 2000
    # CPU time, best of 9 runs; measured again (up to 3 times) when the shared machine is busy
    assert any(report.check_time_ms(text) < report.TARGET_MS for _ in range(3))
