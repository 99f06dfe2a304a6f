"""Place-name keys and the ranked prefix / one-typo index, on small hand-made lists."""

import random

import pytest

from chalicelib import names
from chalicelib.names import EXACT, FUZZY, FUZZY_PREFIX, PREFIX, TYPO, TYPO_PREFIX, NameIndex


def test_fold_ignores_accents_case_hyphens_and_apostrophes() -> None:
    assert names.fold("L'Abergement-Clémenciat") == "l abergement clemenciat"
    assert names.fold("  BÉZIERS ") == "beziers"
    assert names.fold("Saint‑Étienne") == "saint etienne"  # non-breaking hyphen
    assert names.fold("L’Haÿ-les-Roses") == "l hay les roses"  # typographic apostrophe
    assert names.fold("Œuilly") == "oeuilly"
    assert names.fold("Saint-E\u0301tienne") == "saint etienne"  # accent typed as a combining mark


def test_fold_drops_characters_that_are_not_letters_or_digits() -> None:
    assert names.fold("Paris (15e) ★ !") == "paris 15e"
    assert names.fold("---") == ""


def test_name_keys_fold_every_name() -> None:
    assert names.name_keys(["Le Havre", "Béziers"]) == ["le havre", "beziers"]


def test_names_starting_with_an_article_are_also_found_without_it() -> None:
    keys = ["le havre", "l abergement clemenciat", "les lilas", "beziers", "lens"]
    assert names.without_article(keys) == ([0, 1, 2], ["havre", "abergement clemenciat", "lilas"])


def test_query_keys_expand_st_and_ste_but_keep_the_literal_text() -> None:
    assert names.query_keys("St-Étienne") == ["saint etienne", "st etienne"]
    assert names.query_keys("ste marie") == ["sainte marie", "ste marie"]
    assert names.query_keys("Strasbourg") == ["strasbourg"]
    assert names.query_keys(" ' - ") == []


@pytest.mark.parametrize(
    ("typed", "expanded"),
    [
        ("Neuilly s/ Seine", "neuilly sur seine"),
        ("neuilly-s/-seine", "neuilly sur seine"),
        ("bar s/aube", "bar sur aube"),
        ("clichy s/s bois", "clichy sous bois"),
        ("CLICHY S/S BOIS", "clichy sous bois"),
        ("mt st aignan", "mont saint aignan"),
        ("sts geosmes", "saints geosmes"),
        ("stes maries de la mer", "saintes maries de la mer"),
        ("villeneuve lez avignon", "villeneuve les avignon"),
        ("la-roche/yon", "la roche yon"),
    ],
)
def test_address_habits_are_expanded(typed: str, expanded: str) -> None:
    assert names.query_keys(typed)[0] == expanded


def test_a_glued_article_is_split() -> None:
    assert "l aigle" in names.query_keys("laigle")
    assert "l hay les roses" in names.query_keys("lhay les roses")
    assert "les mureaux" in names.query_keys("lesmureaux")
    assert "le puy en velay" in names.query_keys("lepuy en velay")
    assert names.query_keys("lyon") == ["lyon"]  # `l` + a consonant is no article


def test_name_keys_read_lez_as_les() -> None:
    assert names.name_keys(["Saint-Christol-lez-Alès", "Villeneuve-lès-Avignon"]) == [
        "saint christol les ales",
        "villeneuve les avignon",
    ]


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("bordo", "bordeaux"),  # eau / au / o, silent x
        ("oxerre", "auxerre"),
        ("fillipe", "philippe"),  # ph / f, doubled consonants
        ("kimper", "quimper"),  # qu / k
        ("tourquoing", "tourcoing"),  # c / qu
        ("cholais", "cholet"),  # ai / é / et, silent final letters
        ("vitrai", "vitre"),
        ("epernet", "epernay"),
        ("cergie", "cergy"),  # y / i, g before e / i
        ("ajen", "agen"),
        ("sceau", "sceaux"),
        ("aix provence", "aix en provence"),  # small words left out
        ("chalons champagne", "chalons en champagne"),
        ("roube", "roubaix"),
    ],
)
def test_names_that_sound_alike_share_a_phonetic_key(heard: str, written: str) -> None:
    assert names.phonetic(heard) == names.phonetic(written)


@pytest.mark.parametrize(("one", "other"), [("lyon", "lille"), ("rennes", "reims"), ("nice", "nancy")])
def test_names_that_sound_different_keep_different_keys(one: str, other: str) -> None:
    assert names.phonetic(one) != names.phonetic(other)


def test_phonetic_keys_of_many_names_at_once_match_one_by_one() -> None:
    keys = ["saint etienne", "le havre", "aix en provence", "fontainebleau"]
    assert names.phonetic_keys(keys) == [names.phonetic(key) for key in keys]


def test_typo_tolerance_grows_with_the_length_typed() -> None:
    assert [names.allowed_edits(k) for k in ("nic", "nice", "montpel", "montpell", "saint lo")] == [0, 1, 1, 2, 1]


def _index(entries: list[tuple[str, int]]) -> NameIndex:
    """One target per key, its own group, the given score."""
    keys = [key for key, _ in entries]
    return NameIndex(keys, range(len(keys)), range(len(keys)), [score for _, score in entries])


def _names(index: NameIndex, entries: list[tuple[str, int]], found: list[tuple[int, int]]) -> list[str]:
    return [entries[target][0] for target, _ in found]


ENTRIES = [
    ("montpellier", 300_000),
    ("montpellier de medillan", 700),
    ("montpon menesterol", 5_000),
    ("montelier", 4_000),
    ("beziers", 80_000),
    ("breziers", 200),
    ("saint etienne", 170_000),
    ("saint etienne du rouvray", 28_000),
    ("sainte marie", 1_000),
]


def test_exact_names_come_before_prefixes_whatever_their_population() -> None:
    entries = [("paris", 10), ("paris 15e arrondissement", 230_000), ("parisot", 500)]
    index = _index(entries)
    found = index.search(["paris"], 10)
    assert _names(index, entries, found) == ["paris", "paris 15e arrondissement", "parisot"]
    assert [tier for _, tier in found] == [EXACT, PREFIX, PREFIX]


def test_prefixes_are_ranked_by_score_and_one_typo_fills_the_room_left() -> None:
    index = _index(ENTRIES)
    found = index.search(["montp"], 10)
    assert [(ENTRIES[t][0], tier) for t, tier in found] == [
        ("montpellier", PREFIX),
        ("montpon menesterol", PREFIX),
        ("montpellier de medillan", PREFIX),
        ("montelier", TYPO_PREFIX),  # "mont" + "elier": the "p" deleted
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("montpelier", "montpellier"),  # a letter missing
        ("montpelllier", "montpellier"),  # a letter too many
        ("montpellior", "montpellier"),  # a wrong letter
        ("montpelleir", "montpellier"),  # two letters swapped
        ("saintetienne", "saint etienne"),  # a missing space costs one typo
        ("bexiers", "beziers"),
    ],
)
def test_one_typo_finds_the_name(typed: str, expected: str) -> None:
    index = _index(ENTRIES)
    found = index.search([typed], 3)
    assert _names(index, ENTRIES, found)[0] == expected
    assert found[0][1] == TYPO


def test_a_typo_in_a_prefix_finds_the_names_it_starts() -> None:
    index = _index(ENTRIES)
    found = index.search(["saint etiene d"], 3)
    assert _names(index, ENTRIES, found) == ["saint etienne du rouvray"]
    assert found[0][1] == TYPO_PREFIX


def test_two_typos_find_nothing() -> None:
    index = _index(ENTRIES)
    assert index.search(["mintpelier"], 3) == []


def test_typos_are_not_tried_on_short_queries_nor_when_disabled() -> None:
    index = _index(ENTRIES)
    assert index.search(["bzi"], 3) == []
    assert index.search(["bzier"], 3, typo_min_length=None) == []
    assert _names(index, ENTRIES, index.search(["bzier"], 3)) == ["beziers"]


def test_typo_answers_come_after_prefix_answers() -> None:
    index = _index(ENTRIES)
    found = index.search(["beziers"], 3)
    assert [(ENTRIES[t][0], tier) for t, tier in found] == [("beziers", EXACT), ("breziers", TYPO)]


def test_one_group_is_answered_once_under_its_best_key() -> None:
    keys = ["annecy", "annecy le vieux", "meythet", "annemasse"]
    index = NameIndex(keys, range(4), [0, 0, 0, 1], [132_000, 20_000, 8_000, 36_000])
    assert index.search(["anne"], 10) == [(0, PREFIX), (3, PREFIX)]


def test_several_query_keys_share_the_tiers() -> None:
    index = _index(ENTRIES)
    found = index.search(["sainte", "ste"], 1)
    assert [(ENTRIES[t][0], tier) for t, tier in found] == [("sainte marie", PREFIX)]


def test_ranking_over_long_ranges_matches_a_full_sort() -> None:
    """Long ranges use per-block rankings: they must give exactly what sorting everything gives."""
    rng = random.Random(7)
    keys = [f"s{rng.choice('abc')}{rng.randrange(10**6):06d}" for _ in range(5000)]
    scores = [rng.randrange(10**6) for _ in keys]
    index = NameIndex(keys, range(len(keys)), range(len(keys)), scores)
    for prefix, limit in [("s", 50), ("sa", 10), ("sb1", 7), ("sc12", 3)]:
        expected = sorted((i for i, k in enumerate(keys) if k.startswith(prefix)), key=lambda i: -scores[i])
        assert [target for target, _ in index.search([prefix], limit)] == expected[:limit]


def test_tiers_give_each_tier_its_own_room_and_skip_groups_already_seen() -> None:
    index = _index(ENTRIES)
    seen: set[int] = set()
    found = index.tiers(["montpellier"], 1, seen)
    assert [(ENTRIES[index.targets[p]][0], tier) for p, tier in found] == [
        ("montpellier", EXACT),
        ("montpellier de medillan", PREFIX),
    ]
    typos = index.typos("montpellier", 5, seen)
    assert [ENTRIES[index.targets[p]][0] for p, _ in typos] == ["montelier"] or all(
        ENTRIES[index.targets[p]][0] not in ("montpellier", "montpellier de medillan") for p, _ in typos
    )


def test_two_typos_are_found_by_rapidfuzz_among_keys_starting_alike() -> None:
    index = _index(ENTRIES)
    found = index.near("monpelliier", 2, 3, set())  # a letter missing, one too many
    assert [(ENTRIES[index.targets[p]][0], tier) for p, tier in found][:1] == [("montpellier", FUZZY)]
    found = index.near("montpelier de med", 2, 3, set())
    assert [(ENTRIES[index.targets[p]][0], tier) for p, tier in found] == [("montpellier de medillan", FUZZY_PREFIX)]
    montpellier = ENTRIES.index(("montpellier", 300_000))
    assert all(index.groups[p] != montpellier for p, _ in index.near("monpelliier", 2, 3, {montpellier}))
    assert index.near("mintpelliierr", 2, 3, set()) == []  # three edits


def test_subset_keeps_the_order_without_sorting_again() -> None:
    index = _index(ENTRIES)
    part = index.subset([0, 2, 4])
    assert part.keys == [index.keys[0], index.keys[2], index.keys[4]]
    assert part.search([index.keys[2]], 1) == [(index.targets[2], EXACT)]
