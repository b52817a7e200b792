"""Cue detection errors of the learned extractor on the training split, cross-fitted.

The training split is cut in two by article parity; a model trained on one half predicts the
other (so every figure is on articles the model never saw, and nothing here looks at dev).
Printed: relation-lenient F1 of the learned extractor and of the rules on the whole training
split; cue-level (lenient, Dice >= 0.5 on the cue alone, one-to-one) precision, recall and F1
of both against the gold cues; then every missed gold cue by where it was lost (no candidate
word, below the cue threshold, inside quotation marks, built nothing, dropped as nested, by
the keep model, a cue boundary the scorer does not accept) and every extra cue by kind
(inside a gold content, a boundary, lexicon or not, part of speech), with the most frequent
lemmas of each.

    .venv/bin/python bench/learning.py --cache /tmp/lcache --cue-errors
    .venv/bin/python bench/learning.py --cache /tmp/lcache --cross-fit   # figures only
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from copy import deepcopy


def cross_fitted_models(train_rows, train_docs, seed: int, extractor):
    """(model for even articles, model for odd articles): each trained on the other half."""
    from claims.extraction.learned import train

    models = []
    for k in (0, 1):
        idx = [n for n in range(len(train_rows)) if n % 2 != k]
        start = time.perf_counter()
        models.append(train([train_rows[n] for n in idx], extractor=extractor,
                            parsed=[train_docs[n] for n in idx], seed=seed))
        f = models[-1].meta["features"]
        print(f"trained on half {1 - k} ({len(idx)} articles) in "
              f"{time.perf_counter() - start:.0f} s: cue thresholds {f['threshold_lexicon']}/"
              f"{f['threshold']}, fallback {f['fallback']}, cue widening {f['widen']} (gain "
              f"{f['widen_gain']}), keep "
              f"threshold {f['keep_threshold']}", flush=True)
    return models


def _greedy(gold: list[frozenset], pred: list[frozenset]) -> dict[int, int]:
    """pred index -> gold index, one-to-one, best Dice first (>= 0.5)."""
    pairs = []
    for p, pw in enumerate(pred):
        for g, gw in enumerate(gold):
            if pw and gw and pw & gw:
                d = 2 * len(pw & gw) / (len(pw) + len(gw))
                if d >= 0.5:
                    pairs.append((-d, p, g))
    used_p, used_g, out = set(), set(), {}
    for _, p, g in sorted(pairs):
        if p not in used_p and g not in used_g:
            out[p] = g
            used_p.add(p)
            used_g.add(g)
    return out


def _trace(model, doc, offset):
    """Stage by stage for one chunk: cue probabilities, accepted cues, built candidates,
    candidates after nesting and after the keep model, final attributions."""
    from claims.extraction import rules
    from claims.extraction.extractor import doc_attributions
    from claims.extraction.learned import _accepted
    from claims.extraction.quotes import find_quotes, quote_mask

    ids, prob, known = model.cue_probabilities(doc)
    p_of = dict(zip(ids, prob, strict=True))
    accepted = _accepted(ids, prob, known, model.thresholds)
    built = {}
    for i in accepted:
        cand = model.build(doc[i])
        built[i] = cand is not None and bool(cand.content or cand.pattern == "quote-only")
    quotes = find_quotes(doc)
    quoted = quote_mask(quotes, len(doc))
    cands = rules.find_candidates(doc, quotes, accepted, model.build)
    found = {i for c in cands for i in c.cue}
    rules.attach_quotes(doc, cands, quotes)
    nested = rules.drop_nested(doc, cands)
    after_nested = {i for c in nested for i in c.cue}
    kept = model.refine(doc, deepcopy(nested))
    after_keep = {i for c in kept for i in c.cue}
    final = doc_attributions(doc, offset, cue_finder=model.find_cues, build=model.build,
                             refine=model.refine)
    return dict(p=p_of, accepted=set(accepted), built=built, quoted=quoted, found=found,
                nested=after_nested, kept=after_keep, final=final)


def _pos(tok) -> str:
    return tok.pos_


def cue_errors(train_rows, train_docs, models, show: int = 12) -> None:
    from claims.extraction import rules
    from claims.extraction.extractor import doc_attributions
    from claims.extraction.learned import _char_to_token, _cue_heads, is_candidate
    from claims.extraction.scoring import WordUnits, attributions_as_dicts, score

    miss, extra = defaultdict(Counter), defaultdict(Counter)
    counts = {"learned": Counter(), "rules": Counter()}
    cue_ok_rel_bad = Counter()
    preds = {"learned": [], "rules": []}
    for n, (row, chunks) in enumerate(zip(train_rows, train_docs, strict=True)):
        model = models[n % 2]
        words = WordUnits(row["text"])
        gold = row.get("attributions") or []
        gold_cues = [words.of(a.get("cue") or []) for a in gold]
        gold_content = [words.of(a.get("content") or []) for a in gold]
        learned_atts, rules_atts, traces = [], [], []
        for offset, doc in chunks:
            t = _trace(model, doc, offset)
            traces.append((offset, doc, t))
            learned_atts += t["final"]
            rules_atts += doc_attributions(doc, offset)
        preds["learned"].append(attributions_as_dicts(learned_atts))
        preds["rules"].append(attributions_as_dicts(rules_atts))
        for name, atts in (("learned", learned_atts), ("rules", rules_atts)):
            pc = [words.of(a.cue) for a in atts]
            m = _greedy(gold_cues, pc)
            counts[name].update(tp=len(m), fp=len(pc) - len(m), fn=len(gold_cues) - len(m))
            if name != "learned":
                continue
            hit = set(m.values())
            # extras
            for p, a in enumerate(atts):
                if p in m:
                    g = gold[m[p]]
                    ok = all(_lenient(words.of(g.get(f) or []), words.of(getattr(a, f)), f)
                             for f in ("source", "content"))
                    if not ok:
                        cue_ok_rel_bad["learned"] += 1
                    continue
                cue_words = pc[p]
                off, doc, t = next((o, d, t) for o, d, t in traces
                                   if o <= a.cue[0][0] < o + len(d.text) + 1)
                tok = doc.char_span(a.cue[0][0] - off, a.cue[0][1] - off,
                                    alignment_mode="expand")
                tok = tok.root if tok is not None else doc[0]
                lemma = rules.cue_lemma(tok)
                if any(cue_words & g for g in gold_cues):
                    kind = "boundary (shares words with a gold cue)"
                elif any(cue_words and cue_words <= g for g in gold_content):
                    kind = "inside a gold content (nested)"
                elif rules.lexicon_cue(tok):
                    kind = f"lexicon {_pos(tok)}"
                else:
                    kind = f"not lexicon {_pos(tok)}"
                extra[kind][f"{lemma}/{a.pattern}"] += 1
            # misses
            for g, gw in enumerate(gold_cues):
                if g in hit:
                    continue
                kind, lemma = _miss_kind(row, gold[g], gw, gold_content, traces, pc,
                                         _char_to_token, _cue_heads, is_candidate, rules)
                miss[kind][lemma] += 1
    for name in ("rules", "learned"):
        c = counts[name]
        p = c["tp"] / max(1, c["tp"] + c["fp"])
        r = c["tp"] / max(1, c["tp"] + c["fn"])
        rel = score(train_rows, preds[name])
        print(f"{name:>8s}: relation F1 {100 * rel.f1:.2f} (P {100 * rel.precision:.1f} R "
              f"{100 * rel.recall:.1f}); cues P {100 * p:.1f} R {100 * r:.1f} F1 "
              f"{200 * p * r / max(1e-9, p + r):.2f} (tp {c['tp']} fp {c['fp']} fn {c['fn']})")
    print(f"learned cues matched but source/content not: {cue_ok_rel_bad['learned']}")
    if not show:
        return
    for title, table in (("MISSED gold cues", miss), ("EXTRA cues", extra)):
        total = sum(sum(v.values()) for v in table.values())
        print(f"\n{title}: {total}")
        for kind, lemmas in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"  {sum(lemmas.values()):5d}  {kind}: " + ", ".join(
                f"{k} {v}" for k, v in lemmas.most_common(show)))


def _lenient(g, p, field) -> bool:
    if not g:
        return not p if field == "source" else False
    if not p:
        return False
    return 2 * len(g & p) / (len(g) + len(p)) >= 0.5


def _miss_kind(row, att, gw, gold_content, traces, pred_cues, char_to_token, cue_heads,
               is_candidate, rules):
    start = min(s for s, _ in att["cue"]) if att.get("cue") else 0
    chunk = next(((o, d, t) for o, d, t in traces if o <= start < o + len(d.text) + 1), None)
    if chunk is None:
        return "no chunk", "?"
    offset, doc, t = chunk
    owner = char_to_token(doc, offset, len(row["text"]))
    heads = cue_heads(doc, owner, att["cue"])
    nested = any(gw and gw <= c and c is not own for c, own in
                 ((c, None) for c in gold_content))
    where = " [gold nested]" if nested else ""
    multi = len(gw) > 1
    if not heads:
        toks = sorted({int(x) for s, e in att["cue"] for x in owner[s:e] if x >= 0})
        text = " ".join(doc[i].text for i in toks)[:20] if toks else "?"
        pos = doc[toks[0]].pos_ if toks else "?"
        return f"no candidate word ({pos})", text
    i = next(iter(heads))
    tok = doc[i]
    lemma = rules.cue_lemma(tok)
    lex = "lexicon" if rules.lexicon_cue(tok) else "not lexicon"
    label = f"{lemma}{'+' if multi else ''}"
    if any(gw & p for p in pred_cues):
        return f"boundary{' (gold multiword)' if multi else ''}", \
            " ".join(doc[k].text for k in sorted(heads))[:12] + f" {lemma}"
    if i not in t["accepted"]:
        return f"below threshold, {lex} {tok.pos_}{where}", label
    if t["quoted"][i]:
        return f"inside quotation marks{where}", label
    if not t["built"].get(i):
        return f"built nothing, {lex} {tok.pos_}{where}", label
    if i not in t["found"]:
        return f"cue inside a source{where}", label
    if i not in t["nested"]:
        return f"dropped as nested{where}", label
    if i not in t["kept"]:
        return f"dropped by the keep model{where}", label
    return f"kept but no final cue match{where}", label
