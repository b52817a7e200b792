"""Accuracy and speed of the attributed-claim extractor (claims.extraction).

Accuracy: runs `manage.py extract_claims` (the production path) over the PolNeAR dev split
and the seed article from ../shared/bench/attribution/, writes predictions to a temporary
directory and scores them with the shared scorer (imported from its file, never copied):
relation/source/cue/content P/R/F1, exact and lenient, on all attributions and on the
say/tell/according-to subset; for the seed, gold matched out of 9 and extra predictions.

Speed (in-process, same model object): words per second of the extractor and of a bare
parse, measured alternately round by round, medians reported. "Bare parse" is
`Extractor.parse(texts, batch_size=16, bare=True)`: the same loaded model with the model's
own full pipeline (tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner; nothing
disabled) minus the one component the extractor adds (a line-break sentence splitter, whose
cost is therefore counted as extraction cost), fed the same chunks in the same nlp.pipe
batches, with no rules on top; so the ratio is the whole cost of extraction over the model's
parse. For information, a plain
`nlp.pipe(texts, batch_size=16)` is timed too (after the RSS reading, because without the
extractor's character cap on batches it needs ~500 MB). Also: median time to extract a
~1,000-word article, and the peak RSS of this process and of the command's process.

    .venv/bin/python bench/extraction.py                 # everything
    .venv/bin/python bench/extraction.py --no-timing     # accuracy only
    .venv/bin/python bench/extraction.py --in-process    # accuracy without the command
    .venv/bin/python bench/extraction.py --half a        # dev articles of one half (a|b)
    .venv/bin/python bench/extraction.py --split train --no-timing --in-process
                                                         # the 840 training articles
    .venv/bin/python bench/extraction.py --gold PATH     # any gold file of the same format

The rules were tuned on dev only: the training split (840 articles, never looked at while
writing rules) checks that a change generalises. A change is accepted only if dev F1 rises,
neither half of dev drops and the training split's F1 does not drop.

Without --half, the summary also gives the F1 of each half of dev from the same predictions:
a change is accepted only if dev F1 rises and neither half drops. Cost on hostile text (only
quotation marks, one long line, ...) is bench/hostile.py's.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
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
DATA = ROOT.parent / "shared" / "bench" / "attribution"
DEV = DATA / "polnear_dev.jsonl"
SPLITS = {"dev": DEV, "train": DATA / "polnear_train.jsonl"}
SEED = DATA / "seed_gold.jsonl"
SCORER = DATA / "score_attribution.py"
COMMAND = ROOT / "claims" / "management" / "commands" / "extract_claims.py"
SAY_REGEX = r"\b(say|says|said|saying|tell|tells|told|telling)\b|according to"


def load_scorer():
    spec = importlib.util.spec_from_file_location("score_attribution", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def half_of(article_id: str) -> str:
    return "ab"[hashlib.sha1(article_id.encode()).digest()[0] % 2]


# ----------------------------------------------------------------- predict ---
def predict_with_command(gold: Path, pred: Path, model: str | None) -> None:
    cmd = [sys.executable, str(ROOT / "manage.py"), "extract_claims", str(gold),
           "--output", str(pred), "--no-progress"]
    if model:
        cmd += ["--model", model]
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def predict_in_process(gold: Path, pred: Path, extractor) -> None:
    rows = read_jsonl(gold)
    results = extractor.extract_many(r["text"] for r in rows)
    write_jsonl(pred, [{"id": r["id"], "attributions": [a.to_json() for a in atts]}
                       for r, atts in zip(rows, results, strict=True)])


# ------------------------------------------------------------------- score ---
def report(scorer, gold: Path, pred: Path, title: str, cue_regex: str | None = None) -> dict:
    res = scorer.score(scorer.read_jsonl(gold), scorer.read_jsonl(pred),
                       warn=lambda m: print(m, file=sys.stderr), cue_regex=cue_regex)
    print(f"\n== {title}")
    print(scorer.format_table(res))
    return res


def f1(res: dict, field: str = "relation", level: str = "lenient") -> float:
    return 100 * res["scores"][field][level]["f1"]


# ------------------------------------------------------------------ timing ---
def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def article_of(texts: list[str], n_words: int = 1000) -> str:
    """About n_words of whole paragraphs from the dev texts."""
    paragraphs, count = [], 0
    for text in texts:
        for para in text.split("\n\n"):
            if count >= n_words:
                return "\n\n".join(paragraphs)
            paragraphs.append(para)
            count += len(para.split())
    return "\n\n".join(paragraphs)


def time_speed(extractor, texts: list[str], rounds: int) -> dict:
    from claims.extraction.pipeline import LINE_BREAKS

    nlp = extractor.nlp
    n = words(texts)
    list(extractor.extract_many(texts[:4]))  # warm-up
    ext, bare = [], []
    for r in range(rounds):
        # alternate which one goes first, so drift (thermal, other jobs) hits both alike
        order = ("extract", "parse") if r % 2 == 0 else ("parse", "extract")
        for what in order:
            start = time.perf_counter()
            if what == "extract":
                for _ in extractor.extract_many(texts, batch_size=16):
                    pass
                ext.append(time.perf_counter() - start)
            else:
                for _ in extractor.parse(texts, batch_size=16, bare=True):
                    pass
                bare.append(time.perf_counter() - start)
    pipeline = list(nlp.pipe_names)
    with nlp.select_pipes(disable=[LINE_BREAKS]):
        bare_pipeline = list(nlp.pipe_names)
    article = article_of(texts)
    per_article = []
    for _ in range(max(5, rounds * 2)):
        start = time.perf_counter()
        extractor.extract(article)
        per_article.append(time.perf_counter() - start)
    return {"words": n, "extract_s": statistics.median(ext), "parse_s": statistics.median(bare),
            "article_words": len(article.split()), "article_s": statistics.median(per_article),
            "pipeline": pipeline, "bare_pipeline": bare_pipeline,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def time_plain_pipe(nlp, texts: list[str], rounds: int) -> float:
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=16):
            pass
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="spaCy model (default: resolve_model_name())")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--in-process", action="store_true",
                    help="predict with the package instead of the manage.py command")
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev",
                    help="gold split to score (default dev)")
    ap.add_argument("--gold", type=Path, help="gold JSONL to score instead of a named split")
    ap.add_argument("--half", choices=("a", "b"), help="score only one half of the articles")
    ap.add_argument("--keep", help="directory to keep the predictions in")
    args = ap.parse_args(argv)

    from claims.extraction import Extractor

    scorer = load_scorer()
    extractor = Extractor(args.model)
    use_command = COMMAND.exists() and not args.in_process
    print(f"extractor {extractor.version} (model {extractor.model_name}); predictions via "
          f"{'manage.py extract_claims' if use_command else 'the package in-process'}")
    with tempfile.TemporaryDirectory(prefix="extraction-bench-") as tmp:
        out = Path(args.keep or tmp)
        out.mkdir(parents=True, exist_ok=True)
        dev = args.gold or SPLITS[args.split]
        if args.half:
            whole = dev
            dev = out / f"dev_half_{args.half}.jsonl"
            write_jsonl(dev, [r for r in read_jsonl(whole) if half_of(r["id"]) == args.half])
        results = {}
        for name, gold in (("dev", dev), ("seed", SEED)):
            pred = out / f"{name}_pred.jsonl"
            start = time.perf_counter()
            if use_command:
                predict_with_command(gold, pred, args.model)
            else:
                predict_in_process(gold, pred, extractor)
            print(f"\n{name}: predicted in {time.perf_counter() - start:.1f} s -> {pred}")
            results[name] = report(scorer, gold, pred, f"{name}: all attributions")
            if name == "dev":
                results["dev_say"] = report(scorer, gold, pred,
                                            "dev: say/tell/according-to subset", SAY_REGEX)
                if not args.half:  # a change must not lower either half (same predictions)
                    for half in "ab":
                        part = out / f"dev_half_{half}.jsonl"
                        write_jsonl(part, [r for r in read_jsonl(gold)
                                           if half_of(r["id"]) == half])
                        results[f"dev_{half}"] = scorer.score(
                            scorer.read_jsonl(part), scorer.read_jsonl(pred),
                            warn=lambda m: None)

    rel = results["seed"]["scores"]["relation"]["lenient"]
    split = str(args.gold) if args.gold else args.split
    print(f"\n== summary (relation, lenient; 'dev' below is {split})")
    print(f"dev all F1            {f1(results['dev']):5.2f}   (goal >= 67)")
    if "dev_a" in results:
        print(f"dev half a / half b   {f1(results['dev_a']):5.2f} / {f1(results['dev_b']):5.2f}")
    print(f"dev say/tell/acc. F1  {f1(results['dev_say']):5.2f}   (goal >= 88)")
    print(f"seed gold matched     {rel['tp']} of {rel['tp'] + rel['fn']}   (goal: all 9)")
    print(f"seed extra predictions {rel['fp']}      (goal <= 1)")

    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if args.no_timing:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    else:
        texts = [r["text"] for r in read_jsonl(DEV)]
        t = time_speed(extractor, texts, args.rounds)
        rss = t["rss_mb"]
        wps_ext, wps_parse = t["words"] / t["extract_s"], t["words"] / t["parse_s"]
        print(f"\n== speed ({args.rounds} alternating rounds, medians; {t['words']} words)")
        print(f"extractor pipeline: {'+'.join(t['pipeline'])}")
        print(f"bare parse pipeline: {'+'.join(t['bare_pipeline'])} (same model object, chunks, "
              f"batches)")
        print(f"bare parse                                 {wps_parse:8.0f} words/s")
        print(f"extractor (parse + rules)                  {wps_ext:8.0f} words/s")
        print(f"cost ratio extractor / bare parse          {t['extract_s'] / t['parse_s']:8.3f}"
              f"   (goal <= 1.25)")
        print(f"~1,000-word article ({t['article_words']} words)        {t['article_s']:8.3f} s"
              f"   (goal < 0.5)")
    print(f"peak RSS: this process {rss:.0f} MB, extract_claims process {child:.0f} MB "
          f"(goal < 600)")
    if not args.no_timing:
        import spacy

        plain = time_plain_pipe(spacy.load(extractor.model_name), texts, max(1, args.rounds // 2))
        print(f"(info: a freshly loaded model's plain nlp.pipe(texts, batch_size=16), full "
              f"pipeline, no character cap: {t['words'] / plain:.0f} words/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
