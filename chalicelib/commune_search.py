"""Communes by what a person types: the name part and hints of `place_query`, matched on the name
indexes of `names`, ranked by one score that blends how well the name matched with population.

Order of the answers:
1. communes that agree with the hints typed (postal code, département, region, arrondissement),
   when their name matched well enough; a hint no commune of that name agrees with is ignored and
   the answer says so (`ignored_hints`);
2. the commune whose whole name was typed (its biggest namesake, if several);
3. then the score, in powers of ten of population (1.0 is worth a commune ten times bigger):
   `quality + log10(population + 1)`. Quality: 3 for the whole name (0.5 less for each bigger
   namesake, never below a prefix), 2 for the name with small words or its article left out (so
   `saint` is Saint-Étienne before the village of Le Saint), 1 for a prefix of
   whole words, 0.6 for a prefix, 0.4 / 0.1 for one typo (whole name / start), 0 / -0.3 for two,
   0.2 for a name followed by more words, 0.6 / -0.3 / -0.5 / -0.8 for the same sound (whole,
   start, one sound off, its start) less 0.15 per letter of spelling apart; 1.5 less under a
   former commune's name; 0.2 / 0 / -0.4 for a word from inside a compound name, looked for only
   when nothing starts with what was typed (`hossegor`: Soorts-Hossegor; to the name's end, whole
   words, a word's start).

Typos and sounds are only looked for when no commune of 30,000 people or more already has the
name or starts with it, and short text (under 6 letters) that starts names is taken as typed right.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from chalicelib import names, place_query
from chalicelib.names import EXACT, FUZZY, FUZZY_PREFIX, PREFIX, TYPO, TYPO_PREFIX
from chalicelib.place_query import Hint

CURRENT_NAME = 10**9  # ranks current names above former names of the same tier (index order)
EXACT_NAME = 3.0
HOMONYM_STEP = 0.5
HOMONYM_FLOOR = 0.1  # above a prefix of whole words
WITHOUT_SMALL_WORDS = 2.0
PREFIX_WORDS, PREFIX_LETTERS = 1.0, 0.6
QUALITY = {TYPO: 0.4, TYPO_PREFIX: 0.1, FUZZY: 0.0, FUZZY_PREFIX: -0.3}
SOUND = {EXACT: 0.6, PREFIX: -0.3, TYPO: -0.5, TYPO_PREFIX: -0.8}
SPELLING, MAX_SPELLING = 0.15, 4  # a sound-alike loses this much for each edit between spellings
FORMER = 1.5
SHORTER_NAME, SHORTER_NAME_LETTERS = 0.2, 4  # a whole name typed with words after it (`berck sur mer`)
HINTED_QUALITY = -0.6  # a hint puts first the names matched at least this well (not a sound one typo away)
ARRONDISSEMENT_EDGE = 0.01  # an arrondissement named by a hint goes just before its city
TYPED_RIGHT_LETTERS = 6  # shorter text that starts names as typed is not read as misspelt
SOUND_LETTERS = 3
LONG_NAME = 8  # a name this long typed exactly is not a misspelling of another
BIG_COMMUNE = math.log10(30_000)  # a name typed as such by a commune this big needs no correcting
PER_TIER = 12  # candidates taken from each tier before ranking (≥ any page the API serves)
# a word typed from inside a compound name (`hossegor`: Soorts-Hossegor), looked for only when
# nothing starts with what was typed: the name's end, whole words before more, the start of a word
INNER_END, INNER_WORDS, INNER_LETTERS = 0.2, 0.0, -0.4
INNER_LETTERS_TYPED = 5
INNER_INDEXED = 3  # inner words are indexed by their first letters
INNER_HITS = 200  # the most inner matches looked at (a common word: `saint`)
_ARRONDISSEMENT = re.compile(r" (\d+)(?:er|e) arrondissement$")

KIND = {EXACT: "name", PREFIX: "prefix"} | dict.fromkeys((TYPO, TYPO_PREFIX, FUZZY, FUZZY_PREFIX), "corrected")


@dataclass
class Found:
    """One answer: the commune (row), the former name it was found under, how it matched, the hints
    that were ignored, its score."""

    commune: int
    matched_name: str | None
    match: tuple[str, ...]
    ignored_hints: tuple[str, ...] = ()
    score: float = 0.0


@dataclass
class _Candidate:
    commune: int
    matched_name: str | None
    quality: float
    kind: str
    hints: dict[str, str] = field(default_factory=dict)  # hint as typed → how it agreed


class CommuneSearch:
    """The name indexes over current names, former names and names without their article."""

    def __init__(
        self,
        *,
        names_of: Sequence[str],
        insee: Sequence[str],
        department: Sequence[str],
        postal_codes: Sequence[str],
        population: Sequence[int],
        parent: Sequence[str],
        former: Sequence[tuple[str, int]],
    ):
        self.department, self.postal_codes, self.population = department, postal_codes, population
        count = len(names_of)
        self.entries = Entries(count, [(commune, name) for name, commune in former])
        current_keys = names.name_keys(names_of)
        former_keys = names.name_keys([name for name, _ in former])
        self.entry_keys = current_keys + former_keys
        article_positions, article_keys = names.without_article(current_keys)
        self.weight = [math.log10(p + 1) for p in population]
        current_scores = [CURRENT_NAME + p for p in population]
        former_communes = [c for _, c in former]
        self.plain_scores = current_scores + [population[c] for c in former_communes]
        self.plain = names.NameIndex(
            current_keys + former_keys + article_keys,
            [*range(len(self.entries)), *article_positions],
            [*range(count), *former_communes, *article_positions],
            self.plain_scores + [current_scores[i] for i in article_positions],
        )
        self.entry_sounds = names.phonetic_keys(self.entry_keys)
        self.sound = names.NameIndex(
            self.entry_sounds, range(len(self.entries)), [*range(count), *former_communes], self.plain_scores
        )
        self._everywhere = Scope(self.plain, self.sound)
        # compound names by the first letters of each word after their first, to find a word typed
        # from inside one (`hossegor`)
        inner: dict[str, list[int]] = {}
        for commune, key in enumerate(current_keys):
            for word in set(key.split(" ")[1:]) - names.JOINING_WORDS:
                inner.setdefault(word[:INNER_INDEXED], []).append(commune)
        self.inner = {start: array("i", communes) for start, communes in inner.items()}
        parent_codes = set(parent)
        by_insee = {code: i for i, code in enumerate(insee) if code in parent_codes}
        self.arrondissements: dict[int, dict[int, int]] = {}
        for i, city in enumerate(parent):
            number = _ARRONDISSEMENT.search(current_keys[i]) if city else None
            if number and city in by_insee:
                self.arrondissements.setdefault(by_insee[city], {})[int(number.group(1))] = i

    # -- the search ----------------------------------------------------------------------------------

    def search(self, text: str, limit: int, *, within: str | None = None) -> list[Found]:
        """The `limit` best communes for a query (only those of the département `within` if given)."""
        query = place_query.parse(text)
        base = self._everywhere if within is None else self._departments_scope(frozenset({within}))
        per_tier = max(PER_TIER, limit)
        hints = query.hints
        candidates: dict[int, _Candidate] = {}
        whole: dict[int, _Candidate] = {}
        codes = tuple(h for h in hints if not h.worded)  # they still apply to a whole name (`… 69`)
        if query.whole:  # `villeneuve sur lot` is a name, not `villeneuve sur` in the Lot
            whole = self._candidates(query.whole, codes, per_tier, base, tolerant=False)
            if any(c.kind in ("name", "prefix") for c in whole.values()):
                candidates, hints = whole, codes
        if not candidates:
            candidates = self._candidates(query.name or query.whole, hints, per_tier, base)
            if query.whole and not any(c.kind in ("name", "prefix") and c.hints for c in candidates.values()):
                misspelt = self._misspelt_whole(query, whole, codes, candidates, per_tier, base)
                if misspelt:
                    candidates, hints = misspelt, codes
        ranked = sorted(candidates.values(), key=self._rank)
        used = {hint for c in candidates.values() if c.quality >= HINTED_QUALITY for hint in c.hints}
        ignored = tuple(h.text for h in hints if h.text not in used)
        return [Found(c.commune, c.matched_name, _kinds(c), ignored, round(self._score(c), 3)) for c in ranked[:limit]]

    def _misspelt_whole(
        self,
        query: place_query.Query,
        whole: dict[int, _Candidate],
        codes: Sequence[Hint],
        hinted: dict[int, _Candidate],
        per_tier: int,
        base: Scope,
    ) -> dict[int, _Candidate]:
        """When the name and hints found no commune of that name there, the whole text may be one
        name misspelt or written by ear: after a joining word (`fleuy sur orne`: a river ends the
        name) or when it matches better than anything the hints agree with (`fontenes saint
        martin` is not `fontenes` in Saint-Martin). Its candidates then, else nothing."""
        joined = _joined(query)
        if joined:
            whole = self._candidates(query.whole, codes, per_tier, base)
        best = max((c.quality for c in whole.values()), default=-math.inf)
        if best <= SHORTER_NAME:  # nothing, or only a shorter name (`valence en drome`: Valence)
            return {}
        agreed = max((c.quality for c in hinted.values() if c.hints), default=-math.inf)
        return whole if joined or best > agreed else {}

    def _score(self, candidate: _Candidate) -> float:
        return candidate.quality + self.weight[candidate.commune]

    def _rank(self, candidate: _Candidate) -> tuple[int, bool, float, bool, int]:
        """Hints agreed with first (a hint filters, unless the name itself is only faintly like what
        was typed), then the exact name typed (the commune named so, unless a homonym is bigger),
        then the score."""
        first = candidate.quality >= EXACT_NAME and candidate.matched_name is None
        agreed = len(candidate.hints) if candidate.quality >= HINTED_QUALITY else 0
        score = self._score(candidate)
        return (-agreed, not first, -score, candidate.matched_name is not None, candidate.commune)

    def _candidates(
        self, name: str, hints: Sequence[Hint], per_tier: int, base: Scope, *, tolerant: bool = True
    ) -> dict[int, _Candidate]:
        """Candidates for a name part, each with its best quality, hints applied. The name is first
        looked for among the communes a hint names, however small; typos are looked for in the
        whole of France only when that found nothing (or there was no such hint)."""
        keys = names.query_keys(name)
        if not keys:
            return {}
        found: dict[int, _Candidate] = {}
        for hint in hints:
            if hint.departments or hint.region or (hint.postal_code and len(hint.postal_code) == 5):
                self._match(self._scope(hint), keys, found, per_tier, tolerant=tolerant)
        self._match(base, keys, found, per_tier, tolerant=tolerant and not found)
        if tolerant and names.letters(keys[0]) >= INNER_LETTERS_TYPED and not self._starts_a_name(found):
            self._match_inner(base, keys[0], found, per_tier)
        if base is not self._everywhere:
            found = {c: candidate for c, candidate in found.items() if c in base.communes}
        self._decay_homonyms(found)
        self._apply_hints(found, hints)
        return found

    def _match(
        self, scope: Scope, keys: list[str], found: dict[int, _Candidate], per_tier: int, *, tolerant: bool
    ) -> None:
        """Add what a scope finds for `keys`: exact names and prefixes; then, unless a big commune
        already answers, one or two typos and sound-alikes.

        Tolerance follows what was typed (`ste` is 3 letters, not `sainte`'s 6). Short text that
        starts names as typed is taken as typed right (`montp`): no typo, no sound-alike.
        """
        index, main, typed = scope.plain, keys[0], min(keys, key=names.letters)
        edits = names.allowed_edits(typed) if tolerant else 0
        if names.letters(typed) < TYPED_RIGHT_LETTERS and index.starts(typed):
            edits = 0
        seen: set[int] = set()
        hits = index.tiers(keys, per_tier, seen)
        answered = self._best_weight(index, hits)
        exact = any(tier == EXACT for _, tier in hits)
        if edits and answered < BIG_COMMUNE and not (exact and names.letters(typed) >= LONG_NAME):
            hits += index.typos(main, per_tier, seen)
            if edits >= 2 and not hits:
                hits += index.near(main, edits, per_tier, seen)
        for position, tier in hits:
            entry = index.targets[position]
            commune, former = self.entries[entry]
            quality = self._quality(tier, main, index.keys[position])
            if tier == EXACT and index.keys[position] != self.entry_keys[entry]:
                quality = WITHOUT_SMALL_WORDS  # the name without its article (`chalon`: Le Chalon)
            self._keep(found, _Candidate(commune, former, quality - FORMER * (former is not None), KIND[tier]))
        if not hits and tolerant:
            self._match_shorter_name(index, main, found)
        answered = self._best_weight(index, hits)
        if not exact and answered < BIG_COMMUNE and names.letters(typed) >= SOUND_LETTERS:
            loose = edits > 0 and not any(tier in (EXACT, PREFIX, TYPO) for _, tier in hits)
            self._match_sound(scope.sound, keys, found, per_tier, loose=loose)

    @staticmethod
    def _starts_a_name(found: dict[int, _Candidate]) -> bool:
        return any(c.kind in ("name", "prefix") and c.quality >= PREFIX_LETTERS for c in found.values())

    def _match_inner(self, scope: Scope, typed: str, found: dict[int, _Candidate], per_tier: int) -> None:
        """Compound names with a word that starts as typed (`hossegor`, `courcouronnes`): what
        people call a commune by its second name."""
        first = typed.split(" ", 1)[0]
        if len(first) < INNER_INDEXED or first in names.JOINING_WORDS:
            return
        needle, keys, hits = " " + typed, self.entry_keys, []
        for commune in self.inner.get(first[:INNER_INDEXED], ()):
            key = keys[commune]
            at = key.find(needle)
            if at < 0 or (scope.communes and commune not in scope.communes):
                continue
            end = at + len(needle)
            quality = INNER_END if end == len(key) else INNER_WORDS if key[end] == " " else INNER_LETTERS
            hits.append(_Candidate(commune, None, quality, "prefix"))
            if len(hits) == INNER_HITS:
                break
        for candidate in sorted(hits, key=lambda c: -self._score(c))[:per_tier]:
            self._keep(found, candidate)

    def _best_weight(self, index: names.NameIndex, hits: list[tuple[int, int]]) -> float:
        """The weight of the biggest commune whose whole name, or start, was typed (give or take a typo)."""
        entries, weight, targets = self.entries, self.weight, index.targets
        return max((weight[entries[targets[p]][0]] for p, tier in hits if tier <= TYPO), default=-1.0)

    def _match_shorter_name(self, index: names.NameIndex, typed: str, found: dict[int, _Candidate]) -> None:
        """A name followed by more words (`berck sur mer`: the commune is named Berck): the longest
        run of first words that is a whole name."""
        words = typed.split()
        for count in range(len(words) - 1, 0, -1):
            start = " ".join(words[:count])
            if names.letters(start) < SHORTER_NAME_LETTERS:
                return
            exact = [p for p, tier in index.tiers([start], PER_TIER, set()) if tier == EXACT]
            for position in exact:
                commune, former = self.entries[index.targets[position]]
                quality = SHORTER_NAME - FORMER * (former is not None)
                self._keep(found, _Candidate(commune, former, quality, "corrected"))
            if exact:
                return

    @staticmethod
    def _quality(tier: int, typed: str, key: str) -> float:
        if tier == EXACT:
            return EXACT_NAME
        if tier == PREFIX:
            return PREFIX_WORDS if key[len(typed)] == " " else PREFIX_LETTERS
        return QUALITY[tier]

    def _match_sound(
        self, sound: names.NameIndex, keys: list[str], found: dict[int, _Candidate], per_tier: int, *, loose: bool
    ) -> None:
        """Names that sound like the query or start so (also one sound away, if `loose`); the
        closer their spelling, the better."""
        from rapidfuzz.distance import Levenshtein

        typed = keys[0]
        heard = list(dict.fromkeys(names.phonetic_keys(keys)))
        seen: set[int] = set()
        hits = sound.tiers(heard, per_tier, seen)
        if loose and len(heard[0]) >= 5 and self._best_weight(sound, hits) < BIG_COMMUNE:
            hits += sound.typos(heard[0], per_tier, seen)
        significant, words, edits = names.significant(typed), typed.split(), names.allowed_edits(typed)
        for position, tier in hits:
            entry = sound.targets[position]
            commune, former = self.entries[entry]
            key = self.entry_keys[entry]
            if names.significant(key) == significant and _left_out(words, key.split()):
                quality, kind = WITHOUT_SMALL_WORDS, "name"
            else:
                written = key if tier != PREFIX else key[: len(typed)]
                spelling = min(Levenshtein.distance(typed, written, score_cutoff=MAX_SPELLING), MAX_SPELLING)
                quality = SOUND[tier] - SPELLING * spelling
                kind = "corrected" if spelling <= edits else "phonetic"
            self._keep(found, _Candidate(commune, former, quality - FORMER * (former is not None), kind))

    @staticmethod
    def _keep(found: dict[int, _Candidate], candidate: _Candidate) -> None:
        known = found.get(candidate.commune)
        if known is None or candidate.quality > known.quality:
            found[candidate.commune] = candidate

    def _apply_hints(self, found: dict[int, _Candidate], hints: Sequence[place_query.Hint]) -> None:
        """Mark the hints each candidate agrees with; a city named with an arrondissement number or
        postal code brings that arrondissement, just before the city."""
        if not hints:
            return
        for commune, candidate in list(found.items()):
            candidate.hints = {h.text: kind for h in hints if (kind := self._agreement(commune, h))}
            for arrondissement, hint in self._arrondissements_named(commune, hints):
                quality = candidate.quality + self.weight[commune] - self.weight[arrondissement] + ARRONDISSEMENT_EDGE
                agreed = {**candidate.hints, hint.text: self._agreement(arrondissement, hint) or "arrondissement"}
                brought = _Candidate(arrondissement, None, quality, candidate.kind, agreed)
                known = found.get(arrondissement)
                if known is None or self._rank(brought) < self._rank(known):
                    found[arrondissement] = brought

    def _arrondissements_named(self, city: int, hints: Sequence[Hint]) -> list[tuple[int, Hint]]:
        parts = self.arrondissements.get(city)
        if not parts:
            return []
        named = [(parts[h.arrondissement], h) for h in hints if h.arrondissement in parts]
        for hint in hints:
            if hint.postal_code is not None and len(hint.postal_code) == 5:  # not the start of one
                named += [(a, hint) for a in parts.values() if self._has_postal_code(a, hint.postal_code)]
        return named

    def _has_postal_code(self, commune: int, code: str) -> bool:
        """Whether a postal code of the commune is `code` (or starts so: `830` for 83000)."""
        return any(mine.startswith(code) for mine in self.postal_codes[commune].split("|"))

    def _agreement(self, commune: int, hint: place_query.Hint) -> str | None:
        """How a commune agrees with a hint (the `match` word), or None."""
        department = self.department[commune]
        if department in hint.departments:
            return "department_hint"
        if department in hint.region:
            return "region_hint"
        if hint.postal_code is not None and self._has_postal_code(commune, hint.postal_code):
            return "postal_code"
        return None

    def _decay_homonyms(self, found: dict[int, _Candidate]) -> None:
        """Each exact namesake after the biggest loses a little, so that big communes whose name
        starts the same are not hidden behind a dozen villages."""
        exact = sorted(
            (c for c in found.values() if c.quality >= EXACT_NAME and c.matched_name is None),
            key=lambda c: -self.weight[c.commune],
        )
        for rank, candidate in enumerate(exact):  # never below a prefix of whole words
            candidate.quality = max(candidate.quality - HOMONYM_STEP * rank, PREFIX_WORDS + HOMONYM_FLOOR)

    # -- indexes restricted to what a hint names -------------------------------------------------------

    def _scope(self, hint: place_query.Hint) -> Scope:
        """The name indexes restricted to the communes of a postal code, or of départements (kept:
        a process sees each département again and again)."""
        if hint.postal_code is not None:
            return self._restricted(self._by_postal_code.get(hint.postal_code, []))
        return self._departments_scope(hint.departments | hint.region)

    def _departments_scope(self, departments: frozenset[str]) -> Scope:
        key = "|".join(sorted(departments))
        scope = self._scopes.get(key)
        if scope is None:
            by_department = self._by_department
            scope = self._scopes[key] = self._restricted(
                [c for d in sorted(departments) for c in by_department.get(d, ())]
            )
        return scope

    def _restricted(self, communes: Sequence[int]) -> Scope:
        """Small indexes of these communes' names (current, former, without article)."""
        entries = [e for c in communes for e in self._entries_of.get(c, (c,))]
        keys = [self.entry_keys[e] for e in entries]
        groups = [self.entries[e][0] for e in entries]
        scores = [self.plain_scores[e] for e in entries]
        article = [i for i, key in enumerate(keys) if key.startswith(names.ARTICLE_PREFIXES)]
        plain = names.NameIndex(
            keys + [keys[i].split(" ", 1)[1] for i in article],
            entries + [entries[i] for i in article],
            groups + [groups[i] for i in article],
            scores + [scores[i] for i in article],
        )
        sound = names.NameIndex([self.entry_sounds[e] for e in entries], entries, groups, scores)
        return Scope(plain, sound, frozenset(communes))

    @cached_property
    def _scopes(self) -> dict[str, Scope]:
        return {}

    @cached_property
    def _by_postal_code(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for commune, codes in enumerate(self.postal_codes):
            for code in codes.split("|") if codes else ():
                found.setdefault(code, []).append(commune)
        return found

    @cached_property
    def _by_department(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for commune, department in enumerate(self.department):
            found.setdefault(department, []).append(commune)
        return found

    @cached_property
    def _entries_of(self) -> dict[int, tuple[int, ...]]:
        """The entries of communes that have former names (the others have one: their own row)."""
        found: dict[int, tuple[int, ...]] = {}
        for entry in range(len(self.department), len(self.entries)):
            commune = self.entries[entry][0]
            found[commune] = (*found.get(commune, (commune,)), entry)
        return found


class Entries:
    """`(commune, former name or None)` of each name the indexes hold: the current names first, one
    per commune in row order (nothing stored for them), then the former names."""

    def __init__(self, count: int, former: list[tuple[int, str]]):
        self.count, self.former = count, former

    def __len__(self) -> int:
        return self.count + len(self.former)

    def __getitem__(self, entry: int) -> tuple[int, str | None]:
        return (entry, None) if entry < self.count else self.former[entry - self.count]


@dataclass(frozen=True)
class Scope:
    """A name index, its phonetic twin, the communes they cover (empty: all)."""

    plain: names.NameIndex
    sound: names.NameIndex
    communes: frozenset[int] = frozenset()


def _joined(query: place_query.Query) -> bool:
    """Whether the words read as hints follow a word that joins them to the name (`fleury sur orne`)."""
    rest = query.whole.split()[len(query.name.split()) :]
    return bool(rest) and rest[0] in names.JOINING_WORDS


def _left_out(typed: list[str], name: list[str]) -> bool:
    """Whether the words typed are the name's, some left out (`aix provence`: `aix en provence`)."""
    remaining = iter(name)
    return all(word in remaining for word in typed)


def _kinds(candidate: _Candidate) -> tuple[str, ...]:
    """`match`: how the name matched, `former_name` if under a former commune's name, then the hints."""
    kinds = [candidate.kind, "former_name"] if candidate.matched_name is not None else [candidate.kind]
    return tuple(dict.fromkeys([*kinds, *candidate.hints.values()]))
