"""Where the learned extractor's missing points are: its figure beside two ceilings.

Each ceiling replaces one part of the learned pipeline by the gold and keeps the other:
- *perfect spans for its cues*: every predicted claim whose cue matches a gold cue (token Dice
  >= 0.5, one-to-one, best first) takes that gold claim's source and content; claims whose
  cue matches nothing stay as they are. The figure a perfect source and content logic would
  reach with the learned cue detector: what the cues allow.
- *gold cues, its spans*: the cue finder returns the head word of every gold cue (as the
  learner's training labels take it) and nothing else; sources, contents, the quotation and
  nesting rules, the rankers and the cue widening are the learned pipeline's, the keep model
  is off (every gold cue is a claim). What the spans allow a perfect cue detector.
Both are relation-lenient F1 by the shared scorer. The corpus's own annotators agree with
each other at 71.9 on dev (../shared/bench/attribution/README.md).

    .venv/bin/python bench/ceiling.py --cache /tmp/lcache              # dev, 840 articles
    .venv/bin/python bench/ceiling.py --cache /tmp/lcache --cross-fit  # the training split

--cross-fit scores the training split instead, each half with the model trained on the other
(article parity, as bench/learning.py --cross-fit), so nothing looks at dev. The model is
trained into memory and never saved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.learning import TRAIN, parsed_split  # noqa: E402


def gold_cue_finder(rows: list[dict], parsed: list[list]):
    """A cue finder (Doc -> token indices) that returns each chunk's gold cue heads."""
    from claims.extraction.learned import _labels

    heads = {}
    for row, chunks in zip(rows, parsed, strict=True):
        for doc, cues, _ in _labels(row, chunks):
            heads[id(doc)] = sorted(cues)
    return lambda doc: heads[id(doc)]


def with_gold_spans(row: dict, predicted: list[dict]) -> list[dict]:
    """The predicted claims, each whose cue matches a gold cue carrying that gold claim's
    source and content (one-to-one, highest cue Dice first)."""
    from claims.extraction.scoring import WordUnits

    words = WordUnits(row["text"])
    gold = row.get("attributions") or []
    gold_cues = [words.of(a.get("cue") or []) for a in gold]
    pairs = []
    for p, att in enumerate(predicted):
        pw = words.of(att["cue"])
        for g, gw in enumerate(gold_cues):
            shared = len(pw & gw)
            if shared and 2 * shared / (len(pw) + len(gw)) >= 0.5:
                pairs.append((-2 * shared / (len(pw) + len(gw)), p, g))
    out = [dict(att) for att in predicted]
    used_p, used_g = set(), set()
    for _, p, g in sorted(pairs):
        if p in used_p or g in used_g:
            continue
        used_p.add(p)
        used_g.add(g)
        out[p]["source"] = gold[g].get("source") or []
        out[p]["content"] = gold[g].get("content") or []
    return out


def ceilings(rows: list[dict], parsed: list[list], model_of) -> dict[str, tuple]:
    """(F1, P, R) in percent of the learned pipeline and of its two ceilings; `model_of(n)` is
    the model that predicts article n."""
    from claims.extraction import doc_attributions
    from claims.extraction.scoring import attributions_as_dicts, score

    finder = gold_cue_finder(rows, parsed)
    learned, spans, cues = [], [], []
    for n, (row, chunks) in enumerate(zip(rows, parsed, strict=True)):
        model = model_of(n)
        found, given = [], []
        keep = model.use["keep"]
        for offset, doc in chunks:
            found += doc_attributions(doc, offset, cue_finder=model.find_cues,
                                      build=model.build, refine=model.refine)
            model.use["keep"] = False
            given += doc_attributions(doc, offset, cue_finder=finder, build=model.build,
                                      refine=model.refine)
            model.use["keep"] = keep
        found_dicts = attributions_as_dicts(found)
        learned.append(found_dicts)
        spans.append(with_gold_spans(row, found_dicts))
        cues.append(attributions_as_dicts(given))
    out = {}
    for label, predicted in (("learned", learned), ("perfect spans for its cues", spans),
                             ("gold cues, its spans", cues)):
        s = score(rows, predicted)
        out[label] = (100 * s.f1, 100 * s.precision, 100 * s.recall)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, help="folder (outside the project) for parsed Docs")
    ap.add_argument("--cross-fit", action="store_true",
                    help="score the training split, each half by a model trained on the other")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cache and ROOT in args.cache.resolve().parents:
        ap.error("--cache must be outside the project (the corpus is evaluation-only)")

    from bench.extraction import DEV, read_jsonl
    from claims.extraction import get_extractor
    from claims.extraction.learned import train

    extractor = get_extractor()
    train_rows = read_jsonl(TRAIN)
    train_docs = parsed_split(extractor, train_rows, "train", args.cache)
    if args.cross_fit:
        from bench.cue_errors import cross_fitted_models

        models = cross_fitted_models(train_rows, train_docs, args.seed, extractor)
        rows, parsed, model_of = train_rows, train_docs, lambda n: models[n % 2]
        where = f"training split ({len(rows)} articles), each half by the other's model"
    else:
        rows = read_jsonl(DEV)
        parsed = parsed_split(extractor, rows, "dev", args.cache)
        model = train(train_rows, extractor=extractor, parsed=train_docs, seed=args.seed)
        model_of = lambda n: model  # noqa: E731
        where = f"dev ({len(rows)} articles), model trained on {len(train_rows)}"
    print(f"extractor {extractor.version}; {where}; relation lenient, percent")
    for label, (f1, p, r) in ceilings(rows, parsed, model_of).items():
        print(f"  {label:>28s}  F1 {f1:6.2f}  P {p:5.1f}  R {r:5.1f}")
    print("  the corpus's annotators against each other (dev): F1 71.9")
    return 0


if __name__ == "__main__":
    sys.exit(main())
