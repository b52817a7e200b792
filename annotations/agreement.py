"""Agreement between reviewers, as pure functions over a small input: no Django, no ORM.

The input is `Ratings`: item -> {reviewer -> label}, a reviewer who did not label an item
being absent from its mapping (or mapped to None): missing data is allowed everywhere.
annotations.agreement_selectors builds it from the desk's verdicts.

- Krippendorff's alpha (nominal) comes from the `krippendorff` package, on the items at least
  two reviewers labelled.
- Cohen's kappa is computed here for one pair of reviewers, on the items both labelled.
- Raw percent agreement is always given beside them: for a pair, the share of their common
  items they labelled alike; over several reviewers, the mean over items (with at least two
  labels) of the share of reviewer pairs on that item who agree.

Every figure carries the number of items behind it. A figure on fewer than MIN_ITEMS items is
undefined (None), never 0 or NaN; so is kappa when the expected agreement is 1 (both reviewers
gave one and the same label to everything: chance explains it all), and alpha when the items
show no variation at all (every label the same: its expected disagreement is 0).
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import krippendorff
import numpy as np

Ratings = Mapping[Hashable, Mapping[Hashable, Hashable | None]]
LabelPair = tuple[Hashable, Hashable]

MIN_ITEMS = 2


@dataclass(frozen=True, slots=True)
class Agreement:
    """Figures among any number of reviewers. `items`: items with at least two labels."""

    items: int
    percent: float | None  # 0..100
    alpha: float | None


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Figures for one pair of reviewers. `items`: items both labelled."""

    reviewer_a: Hashable
    reviewer_b: Hashable
    items: int
    percent: float | None  # 0..100
    kappa: float | None


@dataclass(frozen=True, slots=True)
class ConfusionTable:
    """Counts of label pairs: rows[i][j] counts pairs (labels[i], labels[j])."""

    labels: tuple[Hashable, ...]
    rows: tuple[tuple[int, ...], ...]

    @property
    def total(self) -> int:
        return sum(map(sum, self.rows))

    def count(self, first: Hashable, second: Hashable) -> int:
        return self.rows[self.labels.index(first)][self.labels.index(second)]


def _labels_of(item: Mapping[Hashable, Hashable | None]) -> dict[Hashable, Hashable]:
    return {reviewer: label for reviewer, label in item.items() if label is not None}


def _check_domain(labels: Iterable[Hashable], value_domain: Sequence[Hashable]) -> None:
    unknown = set(labels) - set(value_domain)
    if unknown:
        raise ValueError(f"Labels outside the value domain: {sorted(map(str, unknown))}")


def pairable(ratings: Ratings) -> dict[Hashable, dict[Hashable, Hashable]]:
    """The items at least two reviewers labelled, with their labels only."""
    labelled = ((item, _labels_of(labels)) for item, labels in ratings.items())
    return {item: labels for item, labels in labelled if len(labels) >= 2}


def krippendorff_alpha(ratings: Ratings, *, value_domain: Sequence[Hashable]) -> float | None:
    """Nominal Krippendorff's alpha over every reviewer, missing labels allowed; None on fewer
    than MIN_ITEMS pairable items or when there is no variation to explain."""
    items = pairable(ratings)
    if len(items) < MIN_ITEMS:
        return None
    reviewers = sorted({r for labels in items.values() for r in labels})
    _check_domain((label for labels in items.values() for label in labels.values()),
                  value_domain)
    # The package takes a reviewers x items matrix with np.nan where a label is missing. Each
    # label goes in as its index in the value domain, so any labels (strings or numbers) work
    # alike and a label named "nan" could never be mistaken for a missing one.
    code = {label: index for index, label in enumerate(value_domain)}
    row_of = {reviewer: row for row, reviewer in enumerate(reviewers)}
    data = np.full((len(reviewers), len(items)), np.nan)
    for column, labels in enumerate(items.values()):
        for reviewer, label in labels.items():
            data[row_of[reviewer], column] = code[label]
    if len(np.unique(data[~np.isnan(data)])) < 2:
        return None  # one label throughout: the expected disagreement is 0, alpha is 0/0
    return float(krippendorff.alpha(reliability_data=data,
                                    value_domain=np.arange(len(value_domain)),
                                    level_of_measurement="nominal"))


def percent_agreement(ratings: Ratings) -> float | None:
    """Mean over pairable items of the share of reviewer pairs who gave the same label,
    as a percentage; None on fewer than MIN_ITEMS pairable items."""
    items = pairable(ratings)
    if len(items) < MIN_ITEMS:
        return None
    shares = []
    for labels in items.values():
        pairs = list(combinations(labels.values(), 2))
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return 100 * sum(shares) / len(shares)


def agreement(ratings: Ratings, *, value_domain: Sequence[Hashable]) -> Agreement:
    return Agreement(items=len(pairable(ratings)), percent=percent_agreement(ratings),
                     alpha=krippendorff_alpha(ratings, value_domain=value_domain))


def cohen_kappa(pairs: Sequence[LabelPair]) -> float | None:
    """Cohen's kappa of two reviewers from their (label_a, label_b) on each item both
    labelled: (p_o - p_e) / (1 - p_e), p_e from each reviewer's own label frequencies.
    None on fewer than MIN_ITEMS items, or when p_e is 1 (kappa would be 0/0)."""
    n = len(pairs)
    if n < MIN_ITEMS:
        return None
    observed = sum(a == b for a, b in pairs) / n
    firsts, seconds = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(firsts[label] * seconds[label] for label in firsts) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def pair_percent(pairs: Sequence[LabelPair]) -> float | None:
    if len(pairs) < MIN_ITEMS:
        return None
    return 100 * sum(a == b for a, b in pairs) / len(pairs)


def label_pairs(ratings: Ratings) -> dict[tuple[Hashable, Hashable], list[LabelPair]]:
    """For each pair of reviewers who labelled an item in common, (a, b) with a before b in
    sorted order: their (label_a, label_b) on each such item. One pass over the items."""
    by_pair: dict[tuple[Hashable, Hashable], list[LabelPair]] = {}
    for labels in pairable(ratings).values():
        for a, b in combinations(sorted(labels), 2):
            by_pair.setdefault((a, b), []).append((labels[a], labels[b]))
    return by_pair


def pair_agreements(ratings: Ratings) -> list[PairAgreement]:
    """Every pair of reviewers with at least one item in common, sorted by the pair."""
    return [PairAgreement(reviewer_a=a, reviewer_b=b, items=len(pairs),
                          percent=pair_percent(pairs), kappa=cohen_kappa(pairs))
            for (a, b), pairs in sorted(label_pairs(ratings).items())]


def confusion_table(pairs: Iterable[LabelPair], *, value_domain: Sequence[Hashable]
                    ) -> ConfusionTable:
    """Counts of (first label, second label), rows and columns in value-domain order."""
    counts = Counter(pairs)
    _check_domain((label for pair in counts for label in pair), value_domain)
    return ConfusionTable(labels=tuple(value_domain), rows=tuple(
        tuple(counts[(first, second)] for second in value_domain) for first in value_domain))


def confusion_between_reviewers(ratings: Ratings, *, value_domain: Sequence[Hashable]
                                ) -> ConfusionTable:
    """The labels two reviewers gave one item, over every pair of reviewers and item, with no
    order between the two: each pair is counted once, in the cell whose row comes first in the
    value domain, so the table is upper triangular (the diagonal: agreements)."""
    order = {label: index for index, label in enumerate(value_domain)}
    _check_domain((label for labels in pairable(ratings).values() for label in labels.values()),
                  value_domain)
    unordered = (tuple(sorted(pair, key=order.__getitem__))
                 for pairs in label_pairs(ratings).values() for pair in pairs)
    return confusion_table(unordered, value_domain=value_domain)
