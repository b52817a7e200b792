"""Relation-lenient scoring of attributions against reviewed (gold) ones.

A field (source, cue or content: a list of [start, end] character spans) is read as the set
of word tokens (runs of ``\\w`` characters) it touches; a field that touches no word (a cue
that is just ":") is read as its non-space characters instead. Two fields match leniently
when their token Dice coefficient 2|G & P| / (|G| + |P|) is at least 0.5; an empty field
matches nothing. A predicted attribution matches a gold one when cue, content and source all
match, where an empty gold source is matched by an empty predicted source only. Each gold
attribution is matched at most once and each prediction at most once (a maximum one-to-one
matching per article); counts are summed over articles.

These are the benchmark scorer's relation/lenient conventions, so that a desk can measure a
learned model on its own reviewed claims the way the project measures the rules.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .attribution import Attribution

FIELDS = ("source", "cue", "content")
LENIENT = 0.5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def attributions_as_dicts(attributions: Iterable[Attribution]) -> list[dict]:
    """Attributions in the benchmark's dict shape: {"source", "cue", "content"} span lists."""
    return [{field: [list(span) for span in getattr(a, field)] for field in FIELDS}
            for a in attributions]


class WordUnits:
    """Word tokens of one text, to turn spans into comparable unit sets."""

    def __init__(self, text: str):
        self.text = text
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self.starts = [s for s, _ in words]
        self.ends = [e for _, e in words]

    def of(self, spans) -> frozenset:
        spans = [(s, e) for s, e in spans or () if e > s]
        found = set()
        for start, end in spans:
            k = bisect.bisect_right(self.ends, start)  # first word ending after `start`
            while k < len(self.starts) and self.starts[k] < end:
                found.add(k)
                k += 1
        if found or not spans:
            return frozenset(found)
        return frozenset(("char", p) for s, e in spans for p in range(s, e)
                         if not self.text[p].isspace())


def lenient(gold: frozenset, pred: frozenset) -> bool:
    return bool(gold) and bool(pred) and 2 * len(gold & pred) >= LENIENT * (len(gold) + len(pred))


def _relation(gold: dict, pred: dict) -> bool:
    if not (lenient(gold["cue"], pred["cue"]) and lenient(gold["content"], pred["content"])):
        return False
    if not gold["source"]:
        return not pred["source"]
    return lenient(gold["source"], pred["source"])


def _matching(edges: list[list[int]], n_right: int) -> int:
    """Size of a maximum bipartite matching: for each left node in turn, a breadth-first
    search for an augmenting path, then the path is flipped."""
    owner = [-1] * n_right  # right node -> its left node
    partner = [-1] * len(edges)  # left node -> its right node
    for root in range(len(edges)):
        reached_from: dict[int, int] = {}  # right node -> the left node that reached it
        frontier, free = [root], -1
        while frontier and free < 0:
            following = []
            for left in frontier:
                for right in edges[left]:
                    if right in reached_from:
                        continue
                    reached_from[right] = left
                    if owner[right] < 0:
                        free = right
                        break
                    following.append(owner[right])
                if free >= 0:
                    break
            frontier = following
        right = free
        while right >= 0:
            left = reached_from[right]
            right_before = partner[left]
            owner[right], partner[left] = left, right
            right = right_before if left != root else -1
    return sum(1 for r in owner if r >= 0)


def _inside(spans, cover) -> bool:
    """Every character of `spans` lies in the union of the `cover` spans."""
    merged: list[list[int]] = []
    for start, end in sorted(map(tuple, cover)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return all(any(c0 <= s and e <= c1 for c0, c1 in merged) for s, e in spans if e > s)


def score_article(text: str, gold: Sequence[dict], predicted: Sequence[dict],
                  discard: Sequence = ()) -> Scores:
    """Relation-lenient counts for one article. Predictions lying wholly inside the gold
    `discard` spans (text the reviewers did not annotate) are left out."""
    units = WordUnits(text)
    if discard:
        def discarded(a) -> bool:
            spans = list(a.get("cue") or []) + list(a.get("content") or [])
            return bool(spans) and _inside(spans, discard)
        predicted = [p for p in predicted if not discarded(p)]
    g = [{f: units.of(a.get(f)) for f in FIELDS} for a in gold]
    p = [{f: units.of(a.get(f)) for f in FIELDS} for a in predicted]
    edges = [[j for j, pa in enumerate(p) if _relation(ga, pa)] for ga in g]
    tp = _matching(edges, len(p))
    return Scores(tp, len(p) - tp, len(g) - tp)


def score(gold_examples: Sequence[dict], predicted: Sequence[Sequence[dict]],
          cue_pattern: str | None = None) -> Scores:
    """Relation-lenient precision, recall and F1 of `predicted` (one list of attribution
    dicts per gold example, same order) against the gold examples' attributions.
    `cue_pattern` (a regular expression, case-insensitive) keeps only the gold and predicted
    attributions whose cue text matches it, e.g. the say/tell/according-to subset."""
    if len(gold_examples) != len(predicted):
        raise ValueError(f"{len(predicted)} predictions for {len(gold_examples)} gold "
                         f"examples: give one list of attributions per example, in order.")
    keep = re.compile(cue_pattern, re.IGNORECASE) if cue_pattern else None
    total = Scores(0, 0, 0)
    for example, pred in zip(gold_examples, predicted, strict=True):
        text = example["text"]
        gold = example.get("attributions") or []
        if keep is not None:
            def cue_text(a, text=text):
                return " ".join(text[s:e] for s, e in sorted(map(tuple, a.get("cue") or [])))
            gold = [a for a in gold if keep.search(cue_text(a))]
            pred = [a for a in pred if keep.search(cue_text(a))]
        total = total + score_article(text, gold, pred, example.get("discard") or ())
    return total
