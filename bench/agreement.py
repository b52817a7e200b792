"""The agreement figures' computation on a desk-sized input, without the database: 20,000
verdicts (two per claim on 10,000 claims of a 40,000-claim desk) by 40 reviewers over 500
articles, the way annotations.agreement_selectors computes them. Prints seconds; asserts
nothing.

    .venv/bin/python bench/agreement.py
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.agreement import (  # noqa: E402
    agreement,
    confusion_between_reviewers,
    pair_agreements,
)

LABELS = ("confirmed", "contested", "unverifiable")


def desk(*, claims: int = 10_000, articles: int = 500, reviewers: int = 40, seed: int = 9):
    rng = random.Random(seed)
    by_article: dict[int, dict[int, dict[int, str]]] = {}
    for claim in range(claims):
        truth = rng.choice(LABELS)
        labels = {}
        for reviewer in rng.sample(range(reviewers), 2):
            labels[reviewer] = truth if rng.random() < 0.8 else rng.choice(LABELS)
        by_article.setdefault(claim % articles, {})[claim] = labels
    return by_article


def main() -> None:
    by_article = desk()
    started = time.perf_counter()
    everything = {c: labels for claims in by_article.values() for c, labels in claims.items()}
    overall = agreement(everything, value_domain=LABELS)
    per_article = [agreement(claims, value_domain=LABELS) for claims in by_article.values()]
    pairs = pair_agreements(everything)
    confusion_between_reviewers(everything, value_domain=LABELS)
    elapsed = time.perf_counter() - started
    print(f"verdicts {2 * len(everything)}, articles {len(per_article)}, pairs {len(pairs)}")
    print(f"overall: items {overall.items}, percent {overall.percent:.1f}, "
          f"alpha {overall.alpha:.3f}")
    print(f"computed in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
