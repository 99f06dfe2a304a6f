"""Place-name matching for type-ahead: normalised keys, address habits, a French phonetic key, an
index answering exact names, prefixes and typos.

A name's *key* ignores accents and case, and turns hyphens, apostrophes and runs of spaces into one
space (`L'Abergement-Clémenciat` → `l abergement clemenciat`), so whatever a person types folds onto
the same key. A query is read the way addresses are written: `St`/`Ste`/`Sts`/`Stes`, `Mt`, `s/`
(sur) and `s/s` (sous) are expanded, `lez`/`lès` is `les`, an article glued to the name (`lhay`,
`laigle`) is split. Keys live in one sorted list: a prefix is a contiguous range found by
bisection, and the sorted list doubles as an implicit trie, which lets the one-typo search try only
the letters that can actually follow; two typos (long names) are checked by rapidfuzz on the keys
sharing the query's first letters.

The *phonetic key* (`phonetic_keys`) spells a name by ear: articles and particles dropped, `eau`/`au`
→ `o`, `ph` → `f`, `qu`/`c`/`q` → `k`, `ai`/`ei`/`é`/`è` → `e`, nasal vowels merged, doubled
consonants single, silent final letters dropped (`Cholet` and `cholais` are both `xol`).
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

# Abbreviations people type for the words official names spell out (La Poste's address habits).
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "mt": "mont", "lez": "les"}
ARTICLES = ("les", "le", "la", "l")  # longest first: `lesmoutiers` is `les moutiers`
ARTICLE_PREFIXES = ("l ", "le ", "la ", "les ")
# Small words a person leaves out (`aix provence`, `chalons champagne`): the phonetic key ignores them.
PARTICLES = ("le", "la", "les", "l", "de", "du", "des", "d", "en", "sur", "sous", "et", "aux", "au", "a", "lez")
JOINING_WORDS = frozenset(PARTICLES)  # a word that ends a name part only if more of the name follows
_END = "~"  # sorts after every character a key holds ([a-z0-9 ])
_EXTRA_FOLDS = {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
_NOT_KEY = re.compile(r"[^a-z0-9]+")
# `s/s` (sous) and `s/` (sur), before folding turns the slash into a space: `Neuilly-s/-Seine`.
_SOUS = re.compile(r"(?<![^\W\d_])[sS]\s*/\s*[sS](?![^\W\d_])\s*/?")
_SUR = re.compile(r"(?<![^\W\d_])[sS]\s*/")
_VOWEL_OR_H = frozenset("aeiouh")


def _fold_table() -> dict[int, str]:
    """Lower-case ASCII for the Latin letters; a space for anything else (punctuation, marks)."""
    table: dict[int, str] = {}
    for code in range(0x250):
        char = chr(code)
        base = _EXTRA_FOLDS.get(char.lower()) or "".join(
            c for c in unicodedata.normalize("NFKD", char.lower()) if not unicodedata.combining(c)
        )
        table[code] = base if base.isascii() and base.isalnum() else " "
    for code in range(0x300, 0x370):  # combining accents typed as separate characters
        table[code] = ""
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces (`Saint-Étienne` → `saint etienne`)."""
    folded = text.translate(_FOLD)
    if not folded.isascii():
        folded = _NOT_KEY.sub(" ", folded)
    return " ".join(folded.split())


def fold_query(text: str) -> str:
    """`fold`, after reading the slash abbreviations `s/s` (sous) and `s/` (sur)."""
    if "/" in text:
        text = _SUR.sub(" sur ", _SOUS.sub(" sous ", text))
    return fold(text)


def name_keys(names: Sequence[str]) -> list[str]:
    """The key of each official name (written for speed: it runs on every name at load)."""
    table = _FOLD
    keys = [" ".join(name.translate(table).split()) for name in names]
    keys = [key if key.isascii() else fold(key) for key in keys]
    joined = "\n".join(keys)
    if " lez " in joined:  # `Saint-Christol-lez-Alès` and `-lès-` are one habit
        keys = joined.replace(" lez ", " les ").split("\n")
    return keys


def without_article(keys: Sequence[str]) -> tuple[list[int], list[str]]:
    """Positions and keys of the names that start with an article, without it (`le havre` → `havre`)."""
    positions = [i for i, key in enumerate(keys) if key.startswith(ARTICLE_PREFIXES)]
    return positions, [keys[i].split(" ", 1)[1] for i in positions]


def query_keys(text: str) -> list[str]:
    """Keys to look up for what a person typed, most likely first: the abbreviations expanded
    (`st etienne` → `saint etienne`), the text as typed, a glued article split (`lhay` → `l hay`)."""
    words = fold_query(text).split()
    if not words:
        return []
    expanded = [ABBREVIATIONS.get(w, w) for w in words]
    keys = [" ".join(expanded), " ".join(words)]
    first = expanded[0]
    for article in ARTICLES:
        rest = first[len(article) :]
        if first.startswith(article) and len(rest) >= 3 and (article != "l" or rest[0] in _VOWEL_OR_H):
            keys.append(" ".join([article, rest, *expanded[1:]]))
    return list(dict.fromkeys(keys))


def significant(key: str) -> str:
    """A key without its articles and particles (`aix en provence` → `aix provence`)."""
    return " ".join(w for w in key.split() if w not in _PARTICLE_SET)


_PARTICLE_SET = frozenset(PARTICLES)

# Spelling by ear, as plain replacements run over all keys at once (one pass per rule over one long
# string is about ten times faster than rules per word). Words are kept between single spaces so
# that ` de ` is a whole word and `t ` a final letter.
_PARTICLE_WORDS = re.compile(" (?:" + "|".join(PARTICLES) + ")(?= )")
_FIRST_LETTERS = str.maketrans("wyz", "vis")
_NASAL = "(?![aeiouyhnm])"  # a vowel then n or m sounds nasal only before another consonant or the end
_SOUNDS: tuple[tuple[str | re.Pattern[str], str], ...] = (
    ("aix ", "e "), ("ph", "f"), ("ch", "x"), ("sh", "x"), ("qu", "k"), ("gue", "Ge"), ("gui", "Gi"), ("ge", "je"),
    ("gi", "ji"), ("ce", "se"), ("ci", "si"), ("eau", "o"), ("au", "o"), (re.compile("[ae]i[nm]" + _NASAL), "in"),
    (re.compile("im" + _NASAL), "in"), ("ai", "e"), ("ei", "e"), ("oe", "e"), ("eu", "e"), ("ou", "u"),
    (re.compile("[ea][nm]" + _NASAL), "an"),
    *((c + c, c) for c in "lnstrpmf"),
    *((c + " ", " ") for c in "stdpg"), ("ox ", "o "), ("ux ", "u "), ("ex ", "e "), ("ix ", "i "), ("e ", " "),
)  # fmt: skip
_LAST_LETTERS = str.maketrans({"q": "k", "c": "k", "G": "g", "h": None, " ": None})


def phonetic_keys(keys: Sequence[str]) -> list[str]:
    """The phonetic key of each key (`quimpair` and `quimper` → `kinper`), without spaces."""
    text = _PARTICLE_WORDS.sub("", " " + " | ".join(keys) + " ").translate(_FIRST_LETTERS)
    for written, heard in _SOUNDS:
        text = text.replace(written, heard) if isinstance(written, str) else written.sub(heard, text)
    return text.translate(_LAST_LETTERS).replace("kk", "k").split("|")


def phonetic(key: str) -> str:
    return phonetic_keys([key])[0]


def letters(key: str) -> int:
    """How many letters and digits a key has (the length typo tolerance depends on)."""
    return len(key) - key.count(" ")


def allowed_edits(key: str) -> int:
    """Typos tolerated for a key: none under 4 letters, 1 under 8, 2 from 8."""
    count = letters(key)
    return 0 if count < 4 else 1 if count < 8 else 2


Span = tuple[int, int]

EXACT, PREFIX, TYPO, TYPO_PREFIX, FUZZY, FUZZY_PREFIX = range(6)  # tiers of an answer, best first
FUZZY_RANGE = 3000  # the most keys two-typo matching compares with rapidfuzz
CACHED_DEPTH = 2  # the letters that can follow a start this short are kept (asked by every typo search)


class NameIndex:
    """Sorted keys, each pointing to a target; answers ranked by tier, then by score.

    `groups[i]` says which answers are the same thing (one commune under several names): only the
    best-ranked key of a group is returned. `scores` rank answers inside a tier (population).
    """

    BLOCK = 64

    def __init__(self, keys: Sequence[str], targets: Sequence[int], groups: Sequence[int], scores: Sequence[int]):
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys, self.targets, self.groups, self.scores = (
            _reorder(values, order) for values in (keys, targets, groups, scores)
        )
        self._blocks: dict[int, list[int]] = {}
        self._children_of: dict[str, list[tuple[str, int, int]]] = {}

    def subset(self, positions: Sequence[int]) -> NameIndex:
        """An index of some of these keys (`positions` in ascending order: no sorting needed)."""
        index = NameIndex.__new__(NameIndex)
        index.keys = [self.keys[p] for p in positions]
        index.targets = [self.targets[p] for p in positions]
        index.groups = [self.groups[p] for p in positions]
        index.scores = [self.scores[p] for p in positions]
        index._blocks, index._children_of = {}, {}
        return index

    def search(self, keys: Iterable[str], limit: int, *, typo_min_length: int | None = 4) -> list[tuple[int, int]]:
        """Up to `limit` `(target, tier)`: exact keys, then prefixes, then one typo (whole key, then prefix).

        The typo search runs only when the first tiers leave room, and only for keys of at least
        `typo_min_length` characters (`None`: never).
        """
        keys = [k for k in keys if k]
        found: list[tuple[int, int]] = []
        seen: set[int] = set()
        exact, prefix = self._exact_and_prefix_spans(keys)
        self._collect(found, seen, exact, EXACT, limit)
        self._collect(found, seen, prefix, PREFIX, limit)
        if len(found) < limit and typo_min_length is not None:
            typo_keys = [k for k in keys if len(k) >= typo_min_length]
            whole, partial = self._typo_spans(typo_keys)
            self._collect(found, seen, whole, TYPO, limit)
            self._collect(found, seen, partial, TYPO_PREFIX, limit)
        return [(self.targets[position], tier) for position, tier in found]

    def tiers(self, keys: Sequence[str], per_tier: int, seen: set[int]) -> list[tuple[int, int]]:
        """`(position, tier)`: the best `per_tier` groups not in `seen` of the exact keys, then of
        the prefixes (`seen` gets them), so that a caller can weigh tiers against other evidence
        (population) instead of taking them strictly in order."""
        found: list[tuple[int, int]] = []
        exact, prefix = self._exact_and_prefix_spans([k for k in keys if k])
        self._collect(found, seen, exact, EXACT, len(found) + per_tier)
        self._collect(found, seen, prefix, PREFIX, len(found) + per_tier)
        return found

    def typos(self, key: str, per_tier: int, seen: set[int]) -> list[tuple[int, int]]:
        """`(position, tier)` of the best `per_tier` groups not in `seen` one typo away from `key`
        (TYPO) or starting one typo away (TYPO_PREFIX)."""
        found: list[tuple[int, int]] = []
        whole, partial = self._typo_spans([key])
        self._collect(found, seen, whole, TYPO, len(found) + per_tier)
        self._collect(found, seen, partial, TYPO_PREFIX, len(found) + per_tier)
        return found

    def near(self, key: str, max_edits: int, per_tier: int, skip: set[int]) -> list[tuple[int, int]]:
        """`(position, tier)` of keys within `max_edits` edits of `key` (FUZZY) or whose start is
        (FUZZY_PREFIX), measured by rapidfuzz's Levenshtein distance, groups in `skip` left out.

        Candidates share the key's first third (at least 2 characters, more while that range is
        longer than FUZZY_RANGE): people seldom mistype the first letters, and those typos are the
        phonetic key's job.
        """
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        length = max(2, len(key) // 3)
        lo, hi = self.span(key[:length])
        while hi - lo > FUZZY_RANGE and length < len(key):
            length += 1
            lo, hi = self.span(key[:length], lo, hi)
        keys = self.keys[lo:hi]
        whole = process.extract(key, keys, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=None)
        size = len(key)
        starts = [k[:size] for k in keys]
        partial = process.extract(key, starts, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=None)
        found: list[tuple[int, int]] = []
        for tier, matches in ((FUZZY, whole), (FUZZY_PREFIX, partial)):
            ranked = sorted(((lo + i, edits) for _, edits, i in matches), key=lambda m: (m[1], -self.scores[m[0]]))
            count = 0
            for position, _ in ranked:
                group = self.groups[position]
                if group not in skip:
                    skip.add(group)
                    found.append((position, tier))
                    count += 1
                    if count == per_tier:
                        break
        return found

    def starts(self, key: str) -> bool:
        """Whether some longer key starts with `key`."""
        lo, hi = self.span(key)
        return bisect_right(self.keys, key, lo, hi) < hi

    def _exact_and_prefix_spans(self, keys: Iterable[str]) -> tuple[list[Span], list[Span]]:
        exact, prefix = [], []
        for key in keys:
            lo, hi = self.span(key)
            middle = bisect_right(self.keys, key, lo, hi)
            exact.append((lo, middle))
            prefix.append((middle, hi))
        return exact, prefix

    def span(self, prefix: str, lo: int = 0, hi: int | None = None) -> Span:
        """The range of keys starting with `prefix` (searched within [lo, hi))."""
        hi = len(self.keys) if hi is None else hi
        start = bisect_left(self.keys, prefix, lo, hi)
        return start, bisect_left(self.keys, prefix + _END, start, hi)

    # -- one typo ----------------------------------------------------------------------------------

    def _typo_spans(self, keys: Iterable[str]) -> tuple[list[Span], list[Span]]:
        """Spans of keys equal to (whole) or starting with (partial) a variant of a key at one edit:
        a deletion, insertion, substitution or transposition of two neighbouring letters.

        The sorted keys are walked as a trie: an edit at position i can only lead somewhere if
        `key[:i]` starts a key, and only the letters that follow `key[:i]` are worth inserting or
        substituting there, each searched within its own small range.
        """
        whole: list[Span] = []
        partial: list[Span] = []
        sorted_keys, children_of = self.keys, self._children  # locals: this loop runs for every typo search
        for key in keys:
            lo, hi = 0, len(sorted_keys)
            for i in range(len(key) + 1):
                head = key[:i]
                lo, hi = self.span(head, lo, hi)
                if lo == hi:
                    break
                variants = [(head + key[i + 1 :], lo, hi)] if i < len(key) else []
                if i + 1 < len(key):
                    variants.append((head + key[i + 1] + key[i] + key[i + 2 :], lo, hi))
                rest, substituted = key[i:], key[i + 1 :]
                for letter, letter_lo, letter_hi in children_of(head, lo, hi):
                    variants.append((head + letter + rest, letter_lo, letter_hi))
                    if i < len(key) and letter != key[i]:
                        variants.append((head + letter + substituted, letter_lo, letter_hi))
                for variant, within_lo, within_hi in variants:
                    start = bisect_left(sorted_keys, variant, within_lo, within_hi)
                    if start < within_hi and sorted_keys[start].startswith(variant):
                        end = bisect_left(sorted_keys, variant + _END, start, within_hi)
                        middle = bisect_right(sorted_keys, variant, start, end)
                        whole.append((start, middle))
                        partial.append((middle, end))
        return whole, partial

    def _children(self, head: str, lo: int, hi: int) -> list[tuple[str, int, int]]:
        """(letter, lo, hi) for each letter that follows `head` in some key (cached for short heads,
        whose lists are long and asked for by every query)."""
        cached = self._children_of.get(head)
        if cached is not None:
            return cached
        children = []
        depth = len(head)
        if lo < hi and len(self.keys[lo]) == depth:
            lo = bisect_right(self.keys, head, lo, hi)
        while lo < hi:
            letter = self.keys[lo][depth]
            end = bisect_left(self.keys, head + chr(ord(letter) + 1), lo, hi)
            children.append((letter, lo, end))
            lo = end
        if depth <= CACHED_DEPTH:
            self._children_of[head] = children
        return children

    # -- ranking ---------------------------------------------------------------------------------

    def _collect(self, found: list[tuple[int, int]], seen: set[int], spans: list[Span], tier: int, limit: int) -> None:
        """Append the best `(position, tier)` of `spans` whose group is new, until `limit` answers.

        A group can hold several keys of one span (a commune under its name and its old names), so
        when the best k are not k new groups, the next try looks at twice as many.
        """
        spans = _merge(spans)
        want = limit - len(found)
        wanted = want
        while want > 0:
            best = heapq.nlargest(
                wanted, (p for lo, hi in spans for p in self._top(lo, hi, wanted)), key=self.scores.__getitem__
            )
            fresh: list[int] = []
            groups: set[int] = set()
            for position in best:
                group = self.groups[position]
                if group not in seen and group not in groups:
                    groups.add(group)
                    fresh.append(position)
                    if len(fresh) == want:
                        break
            if len(fresh) == want or len(best) < wanted:
                seen |= groups
                found.extend((p, tier) for p in fresh)
                return
            wanted *= 2

    def _top(self, lo: int, hi: int, k: int) -> list[int]:
        """The k best-scored positions in [lo, hi), using per-block rankings for long ranges."""
        size = self.BLOCK
        first, last = -(-lo // size), hi // size
        if last - first < 2:
            return heapq.nlargest(k, range(lo, hi), key=self.scores.__getitem__)
        candidates = [*range(lo, first * size), *range(last * size, hi)]
        for block in range(first, last):
            candidates.extend(self._block(block)[:k])
        return heapq.nlargest(k, candidates, key=self.scores.__getitem__)

    def _block(self, block: int) -> list[int]:
        ranked = self._blocks.get(block)
        if ranked is None:
            start = block * self.BLOCK
            scores = self.scores
            ranked = sorted(range(start, min(start + self.BLOCK, len(scores))), key=lambda p: -scores[p])
            self._blocks[block] = ranked
        return ranked


def _reorder(values: Sequence[Any], order: list[int]) -> list[Any]:
    """`[values[i] for i in order]`, done by itemgetter in C (three times faster on 40,000 names)."""
    if len(order) < 2:
        return [values[i] for i in order]
    return list(itemgetter(*order)(values))


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Non-empty spans, overlapping ones joined (so no position is counted twice)."""
    merged: list[Span] = []
    for lo, hi in sorted(s for s in spans if s[0] < s[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged
