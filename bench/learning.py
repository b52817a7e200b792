"""The learned extractor (claims.extraction.learned): learning curve, size, memory and speed.

Trains on the PolNeAR training split (../shared/bench/attribution/polnear_train.jsonl, 840
articles: it stands in for a desk's reviewed claims) into a temporary folder, saves and loads
the model back from there (nothing trained on the corpus is kept), predicts the dev split and
scores it with the shared scorer (imported from its file): relation, lenient F1 on all
attributions, on the say/tell/according-to subset and on each half of dev, with the rules'
figures beside; our own claims.extraction.scoring must give the same counts (checked).

    .venv/bin/python bench/learning.py                                 # all 840 articles
    .venv/bin/python bench/learning.py --sizes 25,50,100,200,400,840   # learning curve
    .venv/bin/python bench/learning.py --cache /tmp/learning-cache     # parse once, reuse
    .venv/bin/python bench/learning.py --no-timing                     # accuracy only
    .venv/bin/python bench/learning.py --cross-fit     # the training split, half by half
    .venv/bin/python bench/learning.py --cue-errors    # and the cue errors by kind

--cache keeps the parsed Docs (spaCy DocBin, one file per split and extractor version) in a
folder outside the project, so repeated runs skip the parse (several minutes for the training
split). Timing (with the largest model): extraction cost relative to the bare parse on dev
(alternating rounds, medians), a ~1,000-word invented article, and the peak RSS of a fresh
worker process that loads the model and extracts the dev split.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.extraction import (  # noqa: E402  (the path above first)
    DATA,
    DEV,
    SAY_REGEX,
    half_of,
    load_scorer,
    read_jsonl,
    time_speed,
)

TRAIN = DATA / "polnear_train.jsonl"


# ------------------------------------------------------------------ parses ---
def parsed_split(extractor, rows: list[dict], name: str, cache: Path | None) -> list[list]:
    """[(offset, Doc), ...] per article, from the cache when it holds this split."""
    from spacy.tokens import DocBin

    from claims.extraction.learned import parse_examples

    path = cache / f"{name}-{extractor.version}.spacy" if cache else None
    if path is not None and path.exists():
        out: list[list] = [[] for _ in rows]
        for doc in DocBin().from_disk(path).get_docs(extractor.nlp.vocab):
            out[doc.user_data["article"]].append((doc.user_data["offset"], doc))
        if sum(map(len, out)) and all(out):
            return out
    start = time.perf_counter()
    out = parse_examples(rows, extractor)
    print(f"parsed {name} ({len(rows)} articles) in {time.perf_counter() - start:.0f} s")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        bin_ = DocBin(store_user_data=True)
        for number, chunks in enumerate(out):
            for offset, doc in chunks:
                doc.user_data["article"] = number
                doc.user_data["offset"] = offset
                bin_.add(doc)
        bin_.to_disk(path)
    return out


def predict(parsed: list[list], annotate) -> list[list[dict]]:
    from claims.extraction.scoring import attributions_as_dicts

    out = []
    for chunks in parsed:
        atts = [a for offset, doc in chunks for a in annotate(doc, offset, None)]
        out.append(attributions_as_dicts(sorted(atts, key=lambda a: (a.cue[0], a.content[0]))))
    return out


# ------------------------------------------------------------------- score ---
def figures(scorer, dev: list[dict], predicted: list[list[dict]]) -> dict:
    """Relation-lenient F1 (percent) on dev, the say/tell subset and each half; checks our
    scoring module against the shared scorer on the way."""
    from claims.extraction import scoring

    gold = {r["id"]: r for r in dev}
    preds = {r["id"]: {"id": r["id"], "attributions": p} for r, p in zip(dev, predicted,
                                                                         strict=True)}
    out = {}
    for key, ids, regex in (("all", list(gold), None), ("say", list(gold), SAY_REGEX),
                            ("a", [i for i in gold if half_of(i) == "a"], None),
                            ("b", [i for i in gold if half_of(i) == "b"], None)):
        res = scorer.score({i: gold[i] for i in ids}, {i: preds[i] for i in ids},
                           warn=lambda m: None, cue_regex=regex)
        rel = res["scores"]["relation"]["lenient"]
        ours = scoring.score([gold[i] for i in ids], [preds[i]["attributions"] for i in ids],
                             cue_pattern=regex)
        if (ours.tp, ours.fp, ours.fn) != (rel["tp"], rel["fp"], rel["fn"]):
            raise SystemExit(f"claims.extraction.scoring disagrees with the shared scorer on "
                             f"{key}: {ours} against {rel}")
        out[key] = 100 * rel["f1"]
        if key == "all":
            out["p"], out["r"] = 100 * rel["precision"], 100 * rel["recall"]
    return out


def row(label: str, f: dict) -> str:
    return (f"{label:>10s}  {f['all']:6.2f}  {f['p']:5.1f}  {f['r']:5.1f}  {f['say']:6.2f}  "
            f"{f['a']:6.2f}  {f['b']:6.2f}")


# ------------------------------------------------------------------ timing ---
SPEAKERS = ["Mayor Ada Quill", "the harbour master", "Senator Lu Ferrand", "a council clerk",
            "Professor Iván Morrow", "the ferry company", "two fishermen", "Dr. Nell Okafor"]
VERBS = ["said", "argued", "warned", "grumbled", "insisted", "suggested", "claimed", "noted"]
THINGS = ["the old pier", "the night ferry", "the tide tables", "the fish market",
          "the lighthouse budget", "the new bridge", "the harbour wall", "the winter festival"]
STATES = ["would close before spring", "had cost twice the estimate", "needed urgent repairs",
          "was never safe in a storm", "could open by the end of May", "had been forgotten"]


def invented_article(n_words: int = 1000) -> str:
    """A fictional news article of about n_words (reports, quotations and plain sentences)."""
    paras, count, k = [], 0, 0
    while count < n_words:
        s, v = SPEAKERS[k % len(SPEAKERS)], VERBS[(k * 3) % len(VERBS)]
        t, st = THINGS[(k * 5) % len(THINGS)], STATES[(k * 7) % len(STATES)]
        t2 = THINGS[(k + 3) % len(THINGS)]
        para = (f"{s[0].upper() + s[1:]} {v} on Tuesday that {t} {st}. Residents of the lower "
                f"town gathered near {t2} after the meeting. \u201cWe have waited long "
                f"enough,\u201d {SPEAKERS[(k + 1) % len(SPEAKERS)]} said, adding that {t2} {st}. "
                f"Boats left the quay at dawn, as they do every week in the season.")
        paras.append(para)
        count += len(para.split())
        k += 1
    return "\n\n".join(paras)


def time_article(extractor, rounds: int) -> tuple[int, float, float]:
    """(words, median wall seconds, median CPU seconds) of extracting the invented
    ~1,000-word article (CPU time too: on a shared machine the wall time mostly measures
    the queue for a core)."""
    article = invented_article()
    wall, cpu = [], []
    for _ in range(max(5, 2 * rounds)):
        start, start_cpu = time.perf_counter(), time.process_time()
        extractor.extract(article)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return len(article.split()), statistics.median(wall), statistics.median(cpu)


def worker_rss(model_dir: Path) -> float:
    """Peak RSS (MB) of a fresh process that loads the model and extracts the dev split."""
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from claims.extraction.learned import LearnedExtractor, LearnedModel\n"
        f"ext = LearnedExtractor(LearnedModel.load({str(model_dir)!r}))\n"
        f"texts = [json.loads(l)['text'] for l in open({str(DEV)!r}, encoding='utf-8')]\n"
        "for _ in ext.extract_many(texts): pass\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child
        # would report this (much larger) process's peak
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "print(int(status.split()[0]) / 1024)\n")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    return float(done.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------------- main ---
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="840",
                    help="training articles per model, comma-separated (the first N)")
    ap.add_argument("--cache", type=Path, help="folder (outside the project) for parsed Docs")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cross-fit", action="store_true",
                    help="score the training split, each half by a model trained on the other "
                         "(learned and rules, relation and cue level), then stop")
    ap.add_argument("--cue-errors", action="store_true",
                    help="--cross-fit, plus the missed and extra cues by kind "
                         "(bench/cue_errors.py)")
    args = ap.parse_args(argv)
    if args.cache and ROOT in args.cache.resolve().parents:
        ap.error("--cache must be outside the project (the corpus is evaluation-only)")

    from claims.extraction import doc_attributions, get_extractor
    from claims.extraction.learned import LearnedExtractor, LearnedModel, train

    scorer = load_scorer()
    extractor = get_extractor()
    train_rows, dev_rows = read_jsonl(TRAIN), read_jsonl(DEV)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"extractor {extractor.version}; train {len(train_rows)} articles, dev "
          f"{len(dev_rows)}")
    dev_docs = parsed_split(extractor, dev_rows, "dev", args.cache)
    train_docs = parsed_split(extractor, train_rows, "train", args.cache)
    if args.cross_fit or args.cue_errors:
        from bench.cue_errors import cross_fitted_models, cue_errors

        models = cross_fitted_models(train_rows, train_docs, args.seed, extractor)
        cue_errors(train_rows, train_docs, models, show=12 if args.cue_errors else 0)
        return 0

    rules = figures(scorer, dev_rows, predict(dev_docs, doc_attributions))
    print("\nrelation, lenient (percent); a/b = the halves of dev (bench/extraction.py --half)")
    print(f"{'articles':>10s}  {'dev F1':>6s}  {'P':>5s}  {'R':>5s}  {'say':>6s}  "
          f"{'half a':>6s}  {'half b':>6s}  {'train s':>7s}  learned settings")
    print(row("rules", rules))
    with tempfile.TemporaryDirectory(prefix="learning-bench-") as tmp:
        model_dir = Path(tmp) / "model"
        for size in sizes:
            start = time.perf_counter()
            model = train(train_rows[:size], extractor=extractor, parsed=train_docs[:size],
                          seed=args.seed)
            seconds = time.perf_counter() - start
            model.save(model_dir)
            learned = LearnedExtractor(LearnedModel.load(model_dir), extractor)
            f = figures(scorer, dev_rows, predict(dev_docs, learned.doc_attributions))
            settings = learned.model.meta["features"]
            print(f"{row(str(size), f)}  {seconds:7.0f}  cue thresholds "
                  f"{settings['threshold_lexicon']}/{settings['threshold']}, fallback "
                  f"{'on' if settings['fallback'] else 'off'}, cue widening "
                  f"{'on' if settings['widen'] else 'off'}, keep threshold "
                  f"{settings['keep_threshold']} (cross-fitted F1 on train, cues: "
                  f"{100 * settings['cross_fitted_f1']:.2f})", flush=True)
        model = learned.model  # the largest, with one part switched on or off at a time
        full = dict(model.use)
        for label, change in (("without the keep model", {"keep": False}),
                              ("without the content ranker", {"content": False}),
                              ("with the source ranker", {"source": True}),
                              ("without the cue widening", {"widen": False}),
                              ("cue model only", {"keep": False, "content": False,
                                                  "source": False, "widen": False})):
            model.use = dict(full, **change)
            f = figures(scorer, dev_rows, predict(dev_docs, learned.doc_attributions))
            print(f"{row(str(sizes[-1]), f)}  {'':7s}  {label}", flush=True)
        model.use = full
        size_kb = sum(p.stat().st_size for p in model_dir.iterdir()) / 1024
        print(f"\nmodel ({sizes[-1]} articles): {size_kb:.0f} kB on disk "
              f"({', '.join(sorted(p.name for p in model_dir.iterdir()))})")
        if args.no_timing:
            return 0
        t = time_speed(learned, [r["text"] for r in dev_rows], args.rounds)
        print(f"cost, learned extractor / bare parse on dev ({args.rounds} alternating rounds, "
              f"medians {t['extract_s']:.1f} / {t['parse_s']:.1f} s): "
              f"{t['extract_s'] / t['parse_s']:.3f}  (goal <= 1.25)")
        n_words, seconds, cpu = time_article(learned, args.rounds)
        print(f"invented article of {n_words} words: {seconds:.3f} s wall, {cpu:.3f} s CPU; "
              f"{t['article_words']} words of dev paragraphs: {t['article_s']:.3f} s wall  "
              f"(goal < 0.5)")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"peak RSS of a worker with the model loaded, extracting dev: "
              f"{worker_rss(model_dir):.0f} MB  (goal < 600); this process "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (it holds every "
              f"parsed training article)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
