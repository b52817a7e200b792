"""Extraction cost on hostile text: seconds per KB whatever the text is made of.

Times `Extractor.extract` (and, for comparison, the bare parse the rules run on:
`Extractor.parse(..., bare=True)`) on texts of the same size made of one shape each:

    prose         the benchmark's dev articles, joined (read from ../shared at run time)
    quotes        straight quotation marks only
    attributions  "X said. " over and over
    one-line      the dev prose with every line break made a space, as one line (--line-kb)
    quoted-words  '"a" ' over and over (a quotation pair per word)
    labels        'Ada: ' over and over (a speaker label per word)
    said-colon    'Ada said: ' over and over (a colon content per cue)
    pronouns      'Ada Quill spoke. She said it. ' over and over (an antecedent per cue)

and prints seconds per KB (1,000 characters), the ratio to prose, and the extractor's cost over
its bare parse. Cost must stay linear with a small constant: no shape far above prose.

    .venv/bin/python bench/hostile.py                 # 100 KB each, the one-line text 1 MB
    .venv/bin/python bench/hostile.py --kb 20 --line-kb 100 --no-bare
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "bench" / "attribution" / "polnear_dev.jsonl"


def repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def shapes(size: int, line_size: int) -> dict[str, str]:
    with DEV.open(encoding="utf-8") as fh:
        prose = "\n\n".join(json.loads(line)["text"] for line in fh if line.strip())
    prose = repeat(prose + "\n\n", max(size, line_size))
    return {
        "prose": prose[:size],
        "quotes": '"' * size,
        "attributions": repeat("X said. ", size),
        "one-line": " ".join(prose.split("\n"))[:line_size],
        "quoted-words": repeat('"a" ', size),
        "labels": repeat("Ada: ", size),
        "said-colon": repeat("Ada said: ", size),
        "pronouns": repeat("Ada Quill spoke. She said it. ", size),
    }


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=int, default=100, help="size of each text (KB), default 100")
    ap.add_argument("--line-kb", type=int, default=1000,
                    help="size of the one-line text (KB), default 1000")
    ap.add_argument("--only", help="comma-separated shapes to run")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare-parse comparison")
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)

    from claims.extraction import Extractor

    extractor = Extractor(args.model)
    extractor.extract("Warm-up: the mayor said the pier was safe.")
    texts = shapes(args.kb * 1000, args.line_kb * 1000)
    names = args.only.split(",") if args.only else list(texts)
    print(f"extractor {extractor.version}")
    print(f"{'shape':14s} {'KB':>6s} {'extract s':>10s} {'s/KB':>8s} {'x prose':>8s} "
          f"{'bare s/KB':>10s} {'extract/bare':>13s} {'claims':>7s}")
    prose_rate = None
    for name in names:
        text = texts[name]
        kb = len(text) / 1000
        seconds, found = timed(lambda text=text: extractor.extract(text))
        rate = seconds / kb
        if name == "prose":
            prose_rate = rate
        bare = "" if args.no_bare else timed(
            lambda text=text: [None for _ in extractor.parse([text], bare=True)])[0]
        ratio = f"{rate / prose_rate:8.2f}" if prose_rate else f"{'':8s}"
        bare_cols = (f"{bare / kb:10.4f} {seconds / bare:13.2f}" if bare != ""
                     else f"{'':10s} {'':13s}")
        print(f"{name:14s} {kb:6.0f} {seconds:10.2f} {rate:8.4f} {ratio} {bare_cols} "
              f"{len(found):7d}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
