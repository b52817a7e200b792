"""A learned cue model on top of the rules: trained on reviewed attributions, saved as plain
arrays (numpy .npz, never pickle) with a JSON description, and plugged into the rules through
`doc_attributions(cue_finder=...)`.

Every content word of a parsed text (verbs, nouns, adjectives, "according") is a cue
candidate, described by hashed features of the word and its place in the parse (lemma, part
of speech, dependency, head, children, quotation marks, neighbours, what the lexicon says).
A logistic regression learns which candidates reviewers marked as cues; the rules then build
source and content for each cue the model accepts, exactly as for the lexicon's own cues. For
a cue the rules can build nothing for (a verb without a clause, object or quotation the rules
know), a fallback takes the cue's right dependents as content and its subject as source.

The cue model also sees what the word makes a phrase with ('made it clear', 'took aim'),
its subject's entity type, and whether it sits in what a higher reporting word reports (the
corpus annotates only the outermost attribution); the gold head of a copula cue ('was
critical of') is its predicate, which the rules build from. A widening model then decides,
one right dependent at a time, whether the words after a finished cue belong to it ('said in
a statement', 'explained with a smile'), and it is used only where its cross-fitted decisions
gain matching cues on the training examples. The keep model sees the cue model's
probability (left in the Doc's user_data), so that the two decide together.

What pays is learned too: the model is fitted twice on half the training articles, each half
predicted by the model that did not see it, and the cue thresholds (one for the lexicon's
cues, one for other words) and whether the fallback is used are the ones that give the best
relation-lenient F1 over those predictions.

Rejected claims (an example's `negatives`) are negatives the reviewers stated: the cue word of
a rejected claim (unless an attribution has its cue on the same word) is a "not a cue" example
for the cue model, and a finished candidate whose cue shares a word with a rejected claim's
cue and with no attribution's is a "not a claim" example for the keep model. Every word and
candidate that is no attribution is a negative anyway; a rejected one weighs REJECTED_WEIGHT
(2) instead of 1, because a reviewer looked at it and refused it, while the other negatives
include claims nobody looked at closely (reviewers add the claims the rules missed less
reliably than they reject the ones shown). Twice, not more: one reviewer's slip should not
outweigh the attributions. Where there are no negatives (the benchmark's corpus) training is
exactly as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import rules
from .attribution import Attribution
from .extractor import Extractor, TimeBudget, doc_attributions, get_extractor
from .quotes import find_quotes, quote_mask

FORMAT_VERSION = 2
FEATURE_SET = "cue-6"
N_FEATURES = 2 ** 18
WEIGHTS_FILE = "weights.npz"
META_FILE = "meta.json"
_ARRAYS = ("cue_index", "cue_weight", "cue_bias", "content_index", "content_weight",
           "content_bias", "source_index", "source_weight", "source_bias", "keep_index",
           "keep_weight", "keep_bias", "widen_index", "widen_weight", "widen_bias")
RANKERS = ("content", "source")
# A claim a reviewer rejected weighs this much against a non-claim nobody looked at (see train)
REJECTED_WEIGHT = 2.0
KEEP_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
CANDIDATE_POS = frozenset({"VERB", "AUX", "NOUN", "ADJ"})
MIN_ATTRIBUTIONS = 5
LEXICON_THRESHOLDS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# right dependents that end a fallback content (a coordinated predicate, punctuation)
_NOT_CONTENT = frozenset({"punct", "cc", "conj", "prt", "advmod", "npadvmod", "parataxis"})

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------- features ---
def is_candidate(tok) -> bool:
    return tok.pos_ in CANDIDATE_POS or tok.lower_ == "according"


def cue_features(tok, quoted: bool) -> list[str]:
    """What the cue model sees of one candidate word."""
    lemma = rules.cue_lemma(tok)
    head = tok.head
    deps = sorted({c.dep_ for c in tok.children})
    doc = tok.doc
    prev = doc[tok.i - 1].lower_ if tok.i > 0 else "<s>"
    nxt = doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else "</s>"
    marks = {c.lower_ for c in tok.children if c.dep_ == "mark"}
    comp_marks = {m.lower_ for c in tok.children if c.dep_ in ("ccomp", "acl")
                  for m in c.children if m.dep_ == "mark"}
    feats = [
        "bias",
        f"l={lemma}", f"p={tok.pos_}", f"t={tok.tag_}", f"d={tok.dep_}",
        f"lp={lemma}|{tok.pos_}", f"lt={lemma}|{tok.tag_}", f"ld={lemma}|{tok.dep_}",
        f"hl={rules.cue_lemma(head)}", f"hd={head.dep_}", f"hp={head.pos_}",
        f"l_hl={lemma}|{rules.cue_lemma(head)}",
        f"prev={prev}", f"next={nxt}", f"l_next={lemma}|{nxt}",
        f"q={quoted}", f"lex={rules.lexicon_cue(tok)}",
        f"lex_d={rules.lexicon_cue(tok)}|{tok.dep_}",
        f"subj={any(c.dep_ in rules.SUBJECT_DEPS for c in tok.children)}",
        f"sent0={tok.is_sent_start}",
    ]
    feats += [f"c={d}" for d in deps]
    feats += [f"l_c={lemma}|{d}" for d in deps if d in ("ccomp", "xcomp", "dobj", "prep", "acl")]
    feats += [f"m={m}" for m in marks]
    feats += [f"cm={m}" for m in comp_marks]
    feats += [f"l_cm={lemma}|{m}" for m in comp_marks]
    preps = [c.lower_ for c in tok.children if c.dep_ == "prep"]
    feats += [f"l_prep={lemma}|{p}" for p in preps]
    # what the word says with its object or predicate: 'made it clear', 'took aim at'
    feats += [f"l_ch={lemma}|{c.dep_}|{rules.cue_lemma(c)}" for c in tok.children
              if c.dep_ in _PHRASE_DEPS]
    subj = rules._subject(tok)
    if subj is not None:
        feats += [f"subj={subj.pos_}|{subj.ent_type_}", f"l_subj={lemma}|{subj.ent_type_}"]
    feats += _nesting_features(tok)
    return feats


# children that make a phrase with the cue word ('make it clear', 'take aim', 'point out')
_PHRASE_DEPS = frozenset({"dobj", "prt", "acomp", "oprd", "attr"})
# the ways a word hangs in a reporting word's content ('said the ministry hopes that ...')
_REPORTED = frozenset({"ccomp", "xcomp", "pcomp", "pobj", "dobj", "advcl", "conj", "acl",
                       "relcl"})


def _nesting_features(tok) -> list[str]:
    """Whether the word sits in what a higher reporting word reports: the corpus annotates
    only the outermost attribution, so a cue inside another's content is no claim."""
    prev, head = tok, tok.head
    for _ in range(12):
        if head.i == prev.i:  # the root (spaCy makes a new Token object on each access)
            return ["nest=none"]
        builder = rules.lexicon_cue(head)
        if builder and prev.dep_ in _REPORTED:
            return [f"nest={prev.dep_}", f"nest_l={rules.cue_lemma(head)}",
                    f"nest_b={builder}|{prev.dep_}"]
        prev, head = head, head.head
    return ["nest=none"]


def _hasher():
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)


def doc_candidates(doc) -> tuple[list[int], list[list[str]], list[bool]]:
    """Cue candidates of a parsed Doc: their token indices, features, and whether the
    lexicon knows them as cues."""
    quoted = quote_mask(find_quotes(doc), len(doc))
    ids, feats, known = [], [], []
    for tok in doc:
        if is_candidate(tok):
            ids.append(tok.i)
            feats.append(cue_features(tok, bool(quoted[tok.i])))
            known.append(bool(rules.lexicon_cue(tok)))
    return ids, feats, known


def fallback_candidate(tok) -> rules.Candidate | None:
    """Source and content for a learned cue the rules build nothing for: the cue's right
    dependents (up to a coordinated predicate) as content, its subject (for a noun, its
    possessor) as source."""
    deps = [c for c in tok.rights if c.dep_ not in _NOT_CONTENT]
    if not deps:
        return None
    content = set(range(deps[0].left_edge.i, deps[-1].right_edge.i + 1))
    if tok.pos_ in ("VERB", "AUX"):
        source, head = rules.verb_source(tok)
    else:
        owner = next((c for c in tok.children if c.dep_ == "poss"), None)
        subj = rules._subject(tok) if owner is None else None
        if owner is not None:
            source, head = list(range(owner.left_edge.i, owner.right_edge.i + 1)), owner.i
        elif subj is not None and subj.i < tok.i:
            source, head = rules._source_of_subject(subj)
        else:
            source, head = [], -1
    content -= set(source) | {tok.i}
    if not content:
        return None
    return rules.Candidate([tok.i], list(source), content, rules.OTHER,
                           0.4 if source else 0.2, head, "learned")


def build(tok) -> rules.Candidate | None:
    """The rules' candidate for a cue at `tok`, built as the lexicon would build it."""
    return rules.candidate_at(tok, rules.lexicon_cue(tok))


def build_with_fallback(tok) -> rules.Candidate | None:
    cand = build(tok)
    if cand is not None and (cand.content or cand.pattern == "quote-only"):
        return cand
    return fallback_candidate(tok)


# ------------------------------------------------------------ cue boundary ---
# Right dependents of a cue that reviewers may write into it ('said in a statement',
# 'explained with a smile', 'told reporters', 'came under fire'): a learned model decides
# each, one after the other while they follow the cue word for word.
_WIDENING_DEPS = frozenset({"prep", "npadvmod", "advmod", "dobj", "dative", "prt", "acomp",
                            "oprd", "attr", "tmod"})
MAX_WIDENINGS = 3


def cue_widenings(doc, cand: rules.Candidate) -> list[tuple[object, list[int]]]:
    """(dependent, its words) that could extend the candidate's cue to the right, in order:
    each starts where the previous one (the first: the cue) ends, and holds no word of the
    content or the source."""
    if cand.pattern == "speaker-label":
        return []
    cue = set(cand.cue)
    taken = set(cand.content).union(*cand.extra) if cand.extra else set(cand.content)
    taken |= set(cand.source)
    kids = sorted((c for i in cue for c in doc[i].rights
                   if c.dep_ in _WIDENING_DEPS and c.i not in cue), key=lambda c: c.i)
    out, end = [], max(cue)
    for c in kids:
        if len(out) == MAX_WIDENINGS:
            break
        ids = list(range(c.left_edge.i, c.right_edge.i + 1))
        cut = next((k for k, i in enumerate(ids) if i in taken), len(ids))
        ids = ids[:cut]  # 'in a letter [that C]': the parser hung the content on 'letter'
        while ids and (doc[ids[-1]].is_punct or doc[ids[-1]].is_space):
            ids.pop()
        start = next((k for k in range(end + 1, len(doc)) if not doc[k].is_space), len(doc))
        if not ids or ids[0] != start or c.i not in ids or \
                rules._line_break_between(doc, end, ids[-1]):
            break
        out.append((c, ids))
        if cut < c.right_edge.i - c.left_edge.i + 1:
            break
        end = ids[-1]
    return out


def widening_features(doc, cand: rules.Candidate, child, ids, n: int) -> list[str]:
    """What the widening model sees of one dependent that could join the cue."""
    head = doc[cand.cue[-1]] if child.head.i not in cand.cue else child.head
    lemma = rules.cue_lemma(doc[cand.cue[0]])
    content = set(cand.content)
    side = "none" if not content else "after" if min(content) > ids[-1] else \
        "before" if max(content) < cand.cue[0] else "around"
    obj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
    feats = ["w=bias", f"w_dep={child.dep_}", f"w_word={child.lower_}",
             f"w_dep_side={child.dep_}|{side}", f"w_side={side}", f"w_n={n}",
             f"w_lem={lemma}|{child.dep_}", f"w_lem_word={lemma}|{child.lower_}",
             f"w_len={_bucket(len(ids))}", f"w_ent={child.ent_type_}",
             f"w_pat={cand.pattern}|{child.dep_}", f"w_head={rules.cue_lemma(head)}",
             f"w_last={ids[-1] + 1 >= len(doc) or doc[ids[-1] + 1].is_punct}"]
    if obj is not None:
        feats += [f"w_obj={rules.cue_lemma(obj)}", f"w_obj_ent={obj.ent_type_}",
                  f"w_word_obj={child.lower_}|{rules.cue_lemma(obj)}"]
    return feats


# ---------------------------------------------------------------- variants ---
# Other readings of a candidate's content and source, among which a learned ranker picks.
_CUTS = frozenset({",", ";", "—", "–", "--", "("})
_SOURCE_CLAUSES = frozenset({"relcl", "acl", "advcl", "appos"})


def _subtree(tok) -> set[int]:
    return set(range(tok.left_edge.i, tok.right_edge.i + 1))


def content_variants(doc, cand: rules.Candidate, quoted) -> dict[str, set[int]]:
    """Readings of the candidate's (main) content, "rules" first."""
    content = set(cand.content) - set(cand.cue) - set(cand.source)
    out = {"rules": content}
    if not content:
        return out
    order = sorted(content)
    roots = [i for i in order if doc[i].head.i not in content or doc[i].head.i == i]
    first = _subtree(doc[roots[0]]) & content
    if first and first != content:
        out["first"] = first
    root = doc[roots[0]]
    cut = {i for c in root.rights if c.dep_ in ("cc", "conj") for i in range(c.i, max(order) + 1)}
    if cut and content - cut:
        out["no_conj"] = content - cut
    for i in order[2:]:
        if doc[i].text in _CUTS and not quoted[i]:
            out["to_comma"] = {j for j in order if j < i}
            break
    sent = doc[cand.cue[0]].sent
    tail = {i for i in range(max(order) + 1, sent.end)
            if not doc[i].is_space and not (i == sent.end - 1 and doc[i].is_punct)}
    if tail and max(order) > cand.cue[0]:
        out["sent_end"] = content | tail
    return out


def source_variants(doc, cand: rules.Candidate) -> dict[str, list[int]]:
    """Readings of the candidate's source, "rules" first."""
    source = list(cand.source)
    out = {"rules": source}
    if source:
        out["empty"] = []
        head = doc[cand.source_head] if 0 <= cand.source_head < len(doc) else None
        if head is not None:
            drop = set()
            for c in head.rights:
                if c.dep_ in _SOURCE_CLAUSES and c.i > head.i:
                    drop |= _subtree(c)
            trimmed = rules._trim_end(doc, [i for i in source if i not in drop])
            if trimmed and trimmed != source:
                out["no_clause"] = trimmed
            comma = next((i for i in source if i > head.i and doc[i].text == ","), None)
            if comma is not None:
                core = rules._trim_end(doc, [i for i in source if i < comma])
                if core and core != source and core != trimmed:
                    out["to_comma"] = core
    return out


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4-7" if n < 8 else "8-15" if n < 16 else "16-31" if n < 32 \
        else "32+"


def variant_features(doc, cand: rules.Candidate, name: str, ids, base) -> list[str]:
    """What a ranker sees of one reading of a candidate's field (`base`: the rules' one)."""
    cue = doc[cand.cue[0]]
    lemma = rules.cue_lemma(cue)
    ids, base = set(ids), set(base)
    gone, added = sorted(base - ids), sorted(ids - base)
    feats = [f"v={name}", f"v_pat={name}|{cand.pattern}", f"v_lem={name}|{lemma}",
             f"v_kind={name}|{cand.kind}", f"v_len={name}|{_bucket(len(ids))}",
             f"v_base={name}|{_bucket(len(base))}", f"v_gone={name}|{_bucket(len(gone))}",
             f"v_added={name}|{_bucket(len(added))}", f"v_extra={name}|{bool(cand.extra)}",
             f"v_cuepos={name}|{cue.pos_}|{cue.dep_}"]
    if gone:
        g = doc[gone[0]]
        feats += [f"v_g0={name}|{g.lower_}", f"v_g0d={name}|{g.dep_}",
                  f"v_g0p={name}|{g.pos_}"]
        if gone[0] > 0:
            feats.append(f"v_gprev={name}|{doc[gone[0] - 1].lower_}")
    if added:
        a = doc[added[0]]
        feats += [f"v_a0={name}|{a.lower_}", f"v_a0d={name}|{a.dep_}"]
    if ids:
        h = doc[min(ids)]
        feats += [f"v_first={name}|{h.lower_}", f"v_firstp={name}|{h.pos_}",
                  f"v_ent={name}|{doc[max(ids)].ent_type_}"]
    return feats


def keep_features(doc, cand: rules.Candidate, quoted, nested: bool) -> list[str]:
    """What the keep model sees of a finished candidate (is it a reviewer's claim?)."""
    cue = doc[cand.cue[0]]
    lemma = rules.cue_lemma(cue)
    content = set(cand.content).union(*cand.extra) if cand.extra else set(cand.content)
    feats = ["k=bias", f"k_pat={cand.pattern}", f"k_kind={cand.kind}", f"k_lem={lemma}",
             f"k_lem_pat={lemma}|{cand.pattern}", f"k_pos={cue.pos_}|{cue.dep_}",
             f"k_tag={cue.tag_}", f"k_src={bool(cand.source)}",
             f"k_pat_src={cand.pattern}|{bool(cand.source)}",
             f"k_len={_bucket(len(content))}", f"k_pat_len={cand.pattern}|{_bucket(len(content))}",
             f"k_extra={bool(cand.extra)}", f"k_q={bool(quoted[cue.i])}",
             f"k_nested={nested}", f"k_pat_nested={cand.pattern}|{nested}",
             f"k_lex={rules.lexicon_cue(cue) or 'none'}",
             f"k_conf={round(cand.confidence, 1)}", f"k_cuelen={_bucket(len(cand.cue))}"]
    # the cue model's own confidence: the keep model and the cue thresholds decide together
    probs = doc.user_data.get(CUE_PROBABILITIES, {})
    p = max((probs[i] for i in cand.cue if i in probs), default=None)
    if p is None:
        feats.append("k_p=none")
    else:
        feats += [f"k_p={int(10 * p)}", f"k_p_lex={int(10 * p)}|{bool(rules.lexicon_cue(cue))}"]
    if cand.source:
        head = doc[cand.source_head] if 0 <= cand.source_head < len(doc) else doc[cand.source[-1]]
        feats += [f"k_shead={head.pos_}|{head.ent_type_}", f"k_spron={head.lower_}"
                  if head.pos_ == "PRON" else f"k_slen={_bucket(len(cand.source))}"]
    if content:
        first = doc[min(content)]
        feats += [f"k_c0={first.lower_}", f"k_c0p={first.pos_}"]
    return feats


# Doc.user_data key under which the cue model leaves each candidate's probability
CUE_PROBABILITIES = "claimdesk_cue_probabilities"


def _note_probabilities(doc, ids, prob) -> None:
    doc.user_data[CUE_PROBABILITIES] = dict(zip(ids, (float(p) for p in prob), strict=True))


def _keep_matrix(doc, cands: list[rules.Candidate]) -> list[list[str]]:
    quoted = quote_mask(find_quotes(doc), len(doc))
    owner = {i for c in cands for i in c.content}
    return [keep_features(doc, c, quoted,
                          any(c.cue[0] in o.content for o in cands if o is not c)
                          if c.cue[0] in owner else False)
            for c in cands]


# ------------------------------------------------------------------ labels ---
def _char_to_token(doc, offset: int, length: int) -> np.ndarray:
    """For each character of the whole text, the token of this chunk covering it (-1)."""
    owner = np.full(length, -1, dtype=np.int32)
    for tok in doc:
        start = tok.idx + offset
        owner[start:start + len(tok.text)] = tok.i
    return owner


def _cue_heads(doc, owner: np.ndarray, cue_spans) -> set[int]:
    """The token of a gold cue that a detector should find: the cue's syntactic head (the
    cue token whose head lies outside the cue), preferring a candidate word; for a copula
    ('is critical of', 'was not hopeful about') its predicate, which the rules build from."""
    toks = set()
    for start, end in cue_spans:
        toks.update(int(t) for t in owner[start:end] if t >= 0)
    if not toks:
        return set()
    roots = [i for i in sorted(toks) if doc[i].head.i not in toks or doc[i].head.i == i]
    for i in roots:
        if doc[i].pos_ == "AUX" and rules.cue_lemma(doc[i]) == "be":
            pred = next((c.i for c in doc[i].children if c.i in toks and
                         c.dep_ in ("acomp", "attr") and is_candidate(c)), None)
            if pred is not None:
                return {pred}
    for i in roots + sorted(toks):
        if is_candidate(doc[i]):
            return {i}
    return set()


def _labels(example: dict, chunks: list[tuple[int, object]]
            ) -> list[tuple[object, set[int], set[int]]]:
    """(doc, gold cue token ids, rejected cue token ids) per chunk of one example: a rejected
    claim's cue counts only where no gold attribution has its cue on the same word."""
    text = example["text"]
    out = []
    for offset, doc in chunks:
        owner = _char_to_token(doc, offset, len(text))
        cues: set[int] = set()
        for att in example.get("attributions") or []:
            cues |= _cue_heads(doc, owner, att.get("cue") or [])
        rejected: set[int] = set()
        for att in example.get("negatives") or []:
            rejected |= _cue_heads(doc, owner, att.get("cue") or [])
        out.append((doc, cues, rejected - cues))
    return out


def _weights(rejected: Sequence[bool]) -> np.ndarray | None:
    """Sample weights: REJECTED_WEIGHT for a reviewer's explicit "not a claim", 1 for every
    other example; None (plain fitting) when there is no rejected one."""
    if not any(rejected):
        return None
    return np.where(np.asarray(rejected, dtype=bool), REJECTED_WEIGHT, 1.0)


# ------------------------------------------------------------------- model ---
def _dense(arrays: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, float]:
    weights = np.zeros(N_FEATURES, dtype=np.float32)
    weights[arrays[f"{name}_index"]] = arrays[f"{name}_weight"]
    return weights, float(arrays[f"{name}_bias"][0])


def _sparse(clf, name: str) -> dict[str, np.ndarray]:
    coef = clf.coef_[0].astype(np.float32)
    index = np.flatnonzero(coef).astype(np.int32)
    return {f"{name}_index": index, f"{name}_weight": coef[index],
            f"{name}_bias": np.array([clf.intercept_[0]], dtype=np.float32)}


def _accepted(ids, prob, known, thresholds: tuple[float, float]) -> list[int]:
    """The candidates taken as cues: the lexicon's cues and the others each have their own
    probability threshold."""
    lexicon, other = thresholds
    return [i for i, p, k in zip(ids, prob, known, strict=True) if p >= (lexicon if k else other)]


class LearnedModel:
    """Weights and description of a learned cue model."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict):
        self.arrays = arrays
        self.meta = meta
        self._weights, self._bias = _dense(arrays, "cue")
        self._rankers = {field: _dense(arrays, field) for field in RANKERS}
        # which rankers run (the benchmark switches them off one at a time)
        self.use = {field: bool(meta["features"][f"{field}_ranker"]) for field in RANKERS}
        self._keep = _dense(arrays, "keep")
        self.keep_threshold = float(meta["features"]["keep_threshold"])
        self.use["keep"] = self.keep_threshold > 0
        settings = meta["features"]
        self.thresholds = (float(settings["threshold_lexicon"]), float(settings["threshold"]))
        self.build = build_with_fallback if settings["fallback"] else build
        self._widen = _dense(arrays, "widen")
        self.use["widen"] = bool(settings["widen"])
        self._hash = None

    @property
    def digest(self) -> str:
        h = hashlib.sha256(json.dumps(self.meta["features"], sort_keys=True).encode())
        for name in _ARRAYS:
            h.update(np.ascontiguousarray(self.arrays[name]).tobytes())
        return h.hexdigest()[:12]

    def cue_probabilities(self, doc) -> tuple[list[int], np.ndarray, list[bool]]:
        """Candidate token indices, their cue probabilities, and whether the lexicon knows
        them."""
        ids, feats, known = doc_candidates(doc)
        if not ids:
            return [], np.zeros(0), []
        z = self._hashed(feats) @ self._weights + self._bias
        return ids, 1.0 / (1.0 + np.exp(-z)), known

    def find_cues(self, doc) -> list[int]:
        """Cue token indices in a parsed Doc (a `cue_finder` for doc_attributions); their
        probabilities are left in the Doc's user_data for the keep model."""
        ids, prob, known = self.cue_probabilities(doc)
        _note_probabilities(doc, ids, prob)
        return _accepted(ids, prob, known, self.thresholds)

    def _hashed(self, feats):
        if self._hash is None:
            self._hash = _hasher()
        return self._hash.transform(feats)

    def refine(self, doc, cands: list[rules.Candidate]) -> list[rules.Candidate]:
        """Each candidate's content and source as the rankers read them (a `refine` for
        doc_attributions)."""
        if not cands:
            return cands
        if self.use["content"] or self.use["source"]:
            cands = self._rerank(doc, cands)
        if self.use["widen"]:
            self._widen_all(doc, cands)
        if self.use["keep"]:
            weights, bias = self._keep
            z = self._hashed(_keep_matrix(doc, cands)) @ weights + bias
            cutoff = np.log(self.keep_threshold / (1 - self.keep_threshold))
            cands = [c for c, v in zip(cands, z, strict=True) if v >= cutoff]
        return cands

    def _widen_all(self, doc, cands: list[rules.Candidate]) -> None:
        """Each candidate's cue with the dependents the widening model takes in, one after
        the other until it refuses one (all features hashed at once)."""
        steps = [(cand, ids, widening_features(doc, cand, child, ids, n))
                 for cand in cands for n, (child, ids) in enumerate(cue_widenings(doc, cand))]
        if not steps:
            return
        weights, bias = self._widen
        z = self._hashed([f for _, _, f in steps]) @ weights + bias
        refused: set[int] = set()
        wide = {id(cand): set(cand.cue) for cand in cands}
        for (cand, ids, _), v in zip(steps, z, strict=True):
            if id(cand) in refused or v < 0:
                refused.add(id(cand))
                continue
            wide[id(cand)] |= set(ids)
        for cand in cands:
            cand.cue = sorted(wide[id(cand)])

    def _rerank(self, doc, cands: list[rules.Candidate]) -> list[rules.Candidate]:
        quoted = quote_mask(find_quotes(doc), len(doc))
        for cand in cands:
            if cand.pattern == "speaker-label":
                continue
            if self.use["content"]:
                options = content_variants(doc, cand, quoted)
                if len(options) > 1:
                    cand.content = options[self._best("content", doc, cand, options)]
            if self.use["source"]:
                options = source_variants(doc, cand)
                if len(options) > 1:
                    name = self._best("source", doc, cand, options)
                    cand.source = options[name]
                    if not cand.source:
                        cand.source_head = -1
        return cands

    def _best(self, field: str, doc, cand, options: dict) -> str:
        names = list(options)
        base = options["rules"]
        x = self._hashed([variant_features(doc, cand, n, options[n], base) for n in names])
        weights, bias = self._rankers[field]
        z = x @ weights + bias
        return names[int(np.argmax(z))]

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        weights = directory / WEIGHTS_FILE
        np.savez_compressed(weights, **self.arrays)
        meta = dict(self.meta, weights_sha256=hashlib.sha256(weights.read_bytes()).hexdigest())
        (directory / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True),
                                           encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> LearnedModel:
        directory = Path(directory)
        meta_path, weights_path = directory / META_FILE, directory / WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            raise ValueError(f"{directory} is not a learned model: it needs {META_FILE} and "
                             f"{WEIGHTS_FILE}.")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{meta_path} is not valid JSON ({exc}).") from exc
        if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
            found = meta.get("format_version") if isinstance(meta, dict) else None
            raise ValueError(f"{directory} holds a learned model of format {found!r}; this "
                             f"version of the extractor reads format {FORMAT_VERSION}: train "
                             f"the model again.")
        blob = weights_path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != meta.get("weights_sha256"):
            raise ValueError(f"{weights_path} does not match its checksum in {META_FILE}: the "
                             f"model is corrupt.")
        try:
            with np.load(weights_path, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in _ARRAYS}
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"{weights_path} cannot be read as model weights ({exc}).") from exc
        index = arrays["cue_index"]
        if index.ndim != 1 or index.shape != arrays["cue_weight"].shape or \
                arrays["cue_bias"].shape != (1,) or \
                (index.size and (index.min() < 0 or index.max() >= N_FEATURES)) or \
                meta.get("features", {}).get("feature_set") != FEATURE_SET:
            raise ValueError(f"{weights_path} does not fit feature set {FEATURE_SET}.")
        meta.pop("weights_sha256", None)
        try:
            return cls(arrays, meta)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{meta_path} lacks a setting of feature set {FEATURE_SET} "
                             f"({exc!r}).") from exc

    def __repr__(self) -> str:
        return (f"LearnedModel({self.digest}, {self.meta.get('articles')} articles, "
                f"{self.meta.get('attributions')} attributions)")


# ---------------------------------------------------------------- training ---
def _validate(examples: list[dict]) -> None:
    for n, ex in enumerate(examples):
        if not isinstance(ex, dict) or not isinstance(ex.get("text"), str):
            raise ValueError(f"Example {n} has no text.")
        for att in ex.get("attributions") or []:
            for span in att.get("cue") or []:
                if len(span) != 2 or not 0 <= span[0] <= span[1] <= len(ex["text"]):
                    raise ValueError(f"Example {n} ({ex.get('id', '')}): cue span {span!r} "
                                     f"lies outside its text.")


def parse_examples(examples: Sequence[dict], extractor: Extractor,
                   progress: Progress | None = None) -> list[list[tuple[int, object]]]:
    """[(offset, Doc), ...] per example, parsed as the extractor parses."""
    parsed: list[list[tuple[int, object]]] = [[] for _ in examples]
    total = len(examples)
    for doc, (number, offset) in extractor.parse(ex["text"] for ex in examples):
        parsed[number].append((offset, doc))
        if progress is not None and len(parsed[number]) == 1:
            progress(number + 1, total, "parsing")
    return parsed


# The cue model's regularisation: C=0.3 ranked the training split's cue words better than
# 1.0 or 3.0 (cross-fitted average precision 0.857 / 0.852 / 0.842 at 840 articles; 0.1:
# 0.853); the other models keep 1.0
CUE_C = 0.3


def _fit(x, y, seed: int, weight: np.ndarray | None = None, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=300, random_state=seed, solver="liblinear")
    clf.fit(x, y, sample_weight=weight)
    return clf


def _settings(examples: list[dict], pieces: list[tuple], prob: np.ndarray,
              progress: Progress | None) -> tuple[tuple[float, float], bool, float]:
    """(thresholds for lexicon and other cues, fallback, F1) that predict the training
    examples best from the cross-fitted cue probabilities, searched one setting at a time."""
    from .scoring import attributions_as_dicts, score

    def f1(thresholds, fallback) -> float:
        predicted: list[list] = [[] for _ in examples]
        for number, offset, doc, ids, known, lo, hi in pieces:
            cues = _accepted(ids, prob[lo:hi], known, thresholds)
            predicted[number] += doc_attributions(
                doc, offset, cue_finder=lambda _doc, cues=cues: cues,
                build=build_with_fallback if fallback else build)
        return score(examples, [attributions_as_dicts(p) for p in predicted]).f1

    steps = len(LEXICON_THRESHOLDS) + len(THRESHOLDS) + 1
    done = 0
    best = (-1.0, (0.0, 1.01), False)
    for t in LEXICON_THRESHOLDS:  # the lexicon's cues first, nothing else
        best = max(best, (f1((t, 1.01), False), (t, 1.01), False))
        done += 1
        if progress is not None:
            progress(done, steps, "choosing thresholds")
    lexicon = best[1][0]
    for t in THRESHOLDS:
        best = max(best, (f1((lexicon, t), False), (lexicon, t), False))
        done += 1
        if progress is not None:
            progress(done, steps, "choosing thresholds")
    best = max(best, (f1(best[1], True), best[1], True))
    if progress is not None:
        progress(steps, steps, "choosing thresholds")
    return best[1], best[2], best[0]


def _ranker_examples(examples: list[dict], pieces: list[tuple], prob: np.ndarray,
                     thresholds: tuple[float, float], builder
                     ) -> dict[str, tuple[list, list]]:
    """Features and labels (does this reading match the reviewers' leniently?) of every
    reading of content and source, over the candidates the cross-fitted cue model finds in
    the training examples."""
    from .extractor import _token_spans
    from .scoring import WordUnits, lenient

    out: dict[str, tuple[list, list]] = {field: ([], []) for field in RANKERS}
    # the widening model's: features, labels, fold, and per candidate (gold cue, cue,
    # [(row, words) per widening])
    widen: tuple[list, list, list, list] = ([], [], [], [])
    out["widen"] = widen
    units = {}
    for number, offset, doc, ids, known, lo, hi in pieces:
        example = examples[number]
        if number not in units:
            units[number] = WordUnits(example["text"])
        words = units[number]
        gold = [{f: words.of(a.get(f) or []) for f in ("cue", "content", "source")}
                for a in example.get("attributions") or []]
        captured: list[rules.Candidate] = []

        def capture(_doc, cands, captured=captured):
            captured.extend(cands)
            return cands

        cues = _accepted(ids, prob[lo:hi], known, thresholds)
        doc_attributions(doc, offset, cue_finder=lambda _doc, cues=cues: cues, build=builder,
                         refine=capture)
        quoted = quote_mask(find_quotes(doc), len(doc))
        for cand in captured:
            if cand.pattern == "speaker-label":
                continue
            cue = words.of(_token_spans(doc, cand.cue, offset, strip=False))
            near = max(gold, key=lambda g: len(g["cue"] & cue), default=None)
            if near is not None and near["cue"] & cue:
                steps = []
                for n, (child, ids) in enumerate(cue_widenings(doc, cand)):
                    w = words.of(_token_spans(doc, ids, offset, strip=False))
                    steps.append((len(widen[1]), w))
                    widen[0].append(widening_features(doc, cand, child, ids, n))
                    widen[1].append(bool(w) and 2 * len(w & near["cue"]) > len(w))
                    widen[2].append(number % 2)
                    if not widen[1][-1]:
                        break
                if steps:
                    widen[3].append((near["cue"], cue, steps))
            match = next((g for g in gold if lenient(g["cue"], cue)), None)
            if match is None:
                continue
            for field, options in (("content", content_variants(doc, cand, quoted)),
                                   ("source", source_variants(doc, cand))):
                if len(options) < 2:
                    continue
                feats, labels = out[field]
                for name, option in options.items():
                    spans = _token_spans(doc, option, offset)
                    if field == "source" and not match["source"]:
                        label = not spans
                    else:
                        label = lenient(match[field], words.of(spans))
                    feats.append(variant_features(doc, cand, name, option, options["rules"]))
                    labels.append(label)
    return out


def cue_examples(examples: list[dict], parsed: Sequence[list[tuple[int, object]]],
                 progress: Progress | None = None) -> tuple[list, list, list, list, list]:
    """Features, labels (is this candidate a gold cue's head?), pieces (example number,
    offset, Doc, candidate ids, lexicon flags, and the rows [lo, hi) of its candidates), fold
    (article parity) and whether a reviewer refused it, for every cue candidate."""
    feats, labels, pieces, fold, refused = [], [], [], [], []
    for n, (example, chunks) in enumerate(zip(examples, parsed, strict=True)):
        for (offset, _), (doc, cues, rejected) in zip(chunks, _labels(example, chunks),
                                                      strict=True):
            ids, fs, known = doc_candidates(doc)
            pieces.append((n, offset, doc, ids, known, len(labels), len(labels) + len(ids)))
            feats.extend(fs)
            labels.extend(i in cues for i in ids)
            refused.extend(i in rejected for i in ids)
            fold.extend([n % 2] * len(ids))
        if progress is not None:
            progress(n + 1, len(examples), "features")
    return feats, labels, pieces, fold, refused


def cross_fitted(x, y: np.ndarray, fold: np.ndarray, seed: int,
                 weight: np.ndarray | None = None, progress: Progress | None = None,
                 c: float = 1.0) -> np.ndarray:
    """Each half's cue probabilities from a model fitted on the other half (in-sample when
    a half alone gives no contrast)."""
    prob = np.zeros(len(y))
    for k in (0, 1):
        if progress is not None:
            progress(k, 3, "fitting")
        seen, unseen = fold != k, fold == k
        if y[seen].any() and not y[seen].all() and unseen.any():
            prob[unseen] = _fit(x[seen], y[seen], seed, None if weight is None else
                                weight[seen], c).predict_proba(x[unseen])[:, 1]
        elif unseen.any():  # too few articles to hold one half out: fall back to in-sample
            prob[unseen] = _fit(x, y, seed, weight, c).predict_proba(x[unseen])[:, 1]
    return prob


def train(examples: Iterable[dict], *, extractor: Extractor | None = None,
          progress: Progress | None = None, seed: int = 0,
          parsed: Sequence[list[tuple[int, object]]] | None = None) -> LearnedModel:
    """Learn a cue model from examples in the benchmark's JSONL shape.

    `parsed` ([(offset, Doc), ...] per example, as `parse_examples` gives) skips the parse,
    e.g. for a benchmark reading Docs from a cache."""
    examples = list(examples)
    _validate(examples)
    n_atts = sum(len(ex.get("attributions") or []) for ex in examples)
    if n_atts < MIN_ATTRIBUTIONS:
        raise ValueError(f"Too little to learn from: {n_atts} attribution(s) in "
                         f"{len(examples)} example(s); at least {MIN_ATTRIBUTIONS} are needed.")
    extractor = extractor or get_extractor()
    if parsed is None:
        parsed = parse_examples(examples, extractor, progress)
    feats, labels, pieces, fold, refused = cue_examples(examples, parsed, progress)
    y = np.array(labels, dtype=bool)
    if y.all() or not y.any():
        raise ValueError("Too little to learn from: the examples' cues give no contrast "
                         "between cue and non-cue words.")
    x = _hasher().transform(feats)
    weight = _weights(refused)
    prob = cross_fitted(x, y, np.array(fold), seed, weight, progress, CUE_C)
    (threshold_lexicon, threshold), fallback, f1 = _settings(examples, pieces, prob, progress)
    if progress is not None:
        progress(2, 3, "fitting")
    arrays = _sparse(_fit(x, y, seed, weight, CUE_C), "cue")
    if progress is not None:
        progress(3, 3, "fitting")
    ranked = _ranker_examples(examples, pieces, prob, (threshold_lexicon, threshold),
                              build_with_fallback if fallback else build)
    for field in RANKERS:
        feats_f, labels_f = ranked[field]
        yf = np.array(labels_f, dtype=bool)
        if yf.any() and not yf.all():
            arrays.update(_sparse(_fit(_hasher().transform(feats_f), yf, seed), field))
        else:  # nothing to learn: the rules' reading always wins
            arrays.update({f"{field}_index": np.zeros(0, dtype=np.int32),
                           f"{field}_weight": np.zeros(0, dtype=np.float32),
                           f"{field}_bias": np.zeros(1, dtype=np.float32)})
    if progress is not None:
        progress(1, 1, "ranking")
    widen, gain = _widening(ranked["widen"], seed)
    arrays.update(widen)
    meta = _meta(examples, n_atts, extractor, threshold_lexicon, threshold, fallback,
                 gain > 0, f1, len(labels), int(y.sum()), seed, ranked)
    meta["features"]["widen_gain"] = gain
    keep_feats, keep_labels, keep_fold, keep_refused = _keep_examples(
        examples, pieces, prob, LearnedModel(dict(arrays, **_EMPTY_KEEP), meta))
    yk = np.array(keep_labels, dtype=bool)
    meta["features"]["keep_threshold"], meta["features"]["keep_examples"] = 0.0, len(yk)
    meta["features"]["rejected_examples"] = {"cue": int(sum(refused)),
                                             "keep": int(sum(keep_refused))}
    if yk.any() and not yk.all():
        xk = _hasher().transform(keep_feats)
        wk = _weights(keep_refused)
        fold_k = np.array(keep_fold)
        pk = np.zeros(len(yk))
        for k in (0, 1):
            seen, unseen = fold_k != k, fold_k == k
            model_k = _fit(xk[seen], yk[seen], seed, None if wk is None else wk[seen]) \
                if yk[seen].any() and not yk[seen].all() else _fit(xk, yk, seed, wk)
            if unseen.any():
                pk[unseen] = model_k.predict_proba(xk[unseen])[:, 1]
        cost = np.ones(len(yk)) if wk is None else wk  # a refused claim kept costs more

        def f1_at(t: float) -> float:  # counted per candidate: close to the scorer's F1
            kept = pk >= t
            tp = int((kept & yk).sum())
            return 2 * tp / (2 * tp + float(cost[kept & ~yk].sum()) + n_atts - tp)

        best_t = max(KEEP_THRESHOLDS, key=f1_at)
        if f1_at(best_t) > f1_at(0.0):
            arrays.update(_sparse(_fit(xk, yk, seed, wk), "keep"))
            meta["features"]["keep_threshold"] = best_t
    arrays.setdefault("keep_index", _EMPTY_KEEP["keep_index"])
    arrays.setdefault("keep_weight", _EMPTY_KEEP["keep_weight"])
    arrays.setdefault("keep_bias", _EMPTY_KEEP["keep_bias"])
    return LearnedModel(arrays, meta)


_EMPTY_KEEP = {"keep_index": np.zeros(0, dtype=np.int32),
               "keep_weight": np.zeros(0, dtype=np.float32),
               "keep_bias": np.zeros(1, dtype=np.float32)}


def _widening(data: tuple[list, list, list, list], seed: int
              ) -> tuple[dict[str, np.ndarray], int]:
    """The widening model's arrays and what it gains on the training candidates: cues that
    match a reviewer's leniently after widening and not before, less the reverse, with each
    half's decisions from a model fitted on the other half."""
    from .scoring import lenient

    feats, labels, fold, cands = data
    y = np.array(labels, dtype=bool)
    if y.any() and not y.all():
        x = _hasher().transform(feats)
        take = cross_fitted(x, y, np.array(fold), seed) >= 0.5
        arrays = _sparse(_fit(x, y, seed), "widen")
    else:  # no contrast: always (every dependent was the reviewers') or never
        take = np.full(len(y), bool(y.size and y.all()))
        arrays = {"widen_index": np.zeros(0, dtype=np.int32),
                  "widen_weight": np.zeros(0, dtype=np.float32),
                  "widen_bias": np.array([1.0 if take.any() else -1.0], dtype=np.float32)}
    gain = 0
    for gold, cue, steps in cands:
        wide = set(cue)
        for row, w in steps:
            if not take[row]:
                break
            wide |= w
        gain += int(lenient(gold, frozenset(wide))) - int(lenient(gold, cue))
    return arrays, gain


def _meta(examples, n_atts, extractor, threshold_lexicon, threshold, fallback, widen, f1,
          candidates, cues, seed, ranked) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "articles": len(examples),
        "attributions": n_atts,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "parser": extractor.model_name,
        "rules": extractor.version,
        "features": {"feature_set": FEATURE_SET, "n_features": N_FEATURES,
                     "threshold_lexicon": threshold_lexicon, "threshold": threshold,
                     # the source ranker lowered dev and both its halves (bench/learning.py):
                     # trained and saved, but off
                     "fallback": fallback, "widen": widen, "content_ranker": True,
                     "source_ranker": False,
                     "keep_threshold": 0.0,
                     "ranker_examples": {f: len(ranked[f][1]) for f in RANKERS},
                     "cross_fitted_f1": round(f1, 4), "candidates": candidates,
                     "cues": cues, "seed": seed},
    }


def _keep_examples(examples: list[dict], pieces: list[tuple], prob: np.ndarray,
                   model: LearnedModel) -> tuple[list, list, list, list]:
    """Features, labels (does the finished candidate match a reviewer's attribution?), fold
    (article parity) and whether a reviewer refused it (its cue shares a word with a rejected
    claim's cue and with no attribution's) of every candidate the cross-fitted cue model and
    the rankers give on the training examples."""
    from .extractor import _token_spans
    from .scoring import WordUnits, lenient

    feats, labels, fold, refused = [], [], [], []
    units: dict[int, WordUnits] = {}
    for number, offset, doc, ids, known, lo, hi in pieces:
        example = examples[number]
        words = units.setdefault(number, WordUnits(example["text"]))
        gold = [{f: words.of(a.get(f) or []) for f in ("cue", "content", "source")}
                for a in example.get("attributions") or []]
        rejected_cues = [words.of(a.get("cue") or []) for a in example.get("negatives") or []]
        captured: list[rules.Candidate] = []

        def capture(_doc, cands, captured=captured):
            captured.extend(model.refine(_doc, cands))
            return []

        cues = _accepted(ids, prob[lo:hi], known, model.thresholds)
        _note_probabilities(doc, ids, prob[lo:hi])
        doc_attributions(doc, offset, cue_finder=lambda _doc, cues=cues: cues,
                         build=model.build, refine=capture)
        if not captured:
            continue
        feats += _keep_matrix(doc, captured)
        for cand in captured:
            content = set(cand.content).union(*cand.extra) - set(cand.cue) - set(cand.source)
            pred = {"cue": words.of(_token_spans(doc, cand.cue, offset, strip=False)),
                    "content": words.of(_token_spans(doc, content, offset)),
                    "source": words.of(_token_spans(doc, cand.source, offset))}
            labels.append(any(
                lenient(g["cue"], pred["cue"]) and lenient(g["content"], pred["content"])
                and (lenient(g["source"], pred["source"]) if g["source"] else
                     not pred["source"]) for g in gold))
            refused.append(not labels[-1] and any(r & pred["cue"] for r in rejected_cues)
                           and not any(g["cue"] & pred["cue"] for g in gold))
            fold.append(number % 2)
    return feats, labels, fold, refused


# --------------------------------------------------------------- extractor ---
class LearnedExtractor:
    """The rules with a learned model plugged in; the same methods as Extractor."""

    def __init__(self, model: LearnedModel, base: Extractor | None = None,
                 label: str | None = None):
        self.model = model
        self.base = base or get_extractor()
        self.model_name = self.base.model_name
        self.label = label or model.digest
        self.version = f"learned-{self.label}+{self.base.version}"

    @property
    def nlp(self):
        return self.base.nlp

    def doc_attributions(self, doc, offset: int = 0, budget: TimeBudget | None = None
                         ) -> list[Attribution]:
        return doc_attributions(doc, offset, budget, cue_finder=self.model.find_cues,
                                build=self.model.build, refine=self.model.refine)

    def extract(self, text: str, time_limit: float | None = None) -> list[Attribution]:
        return next(self.extract_many([text], batch_size=1, time_limit=time_limit))

    def extract_many(self, texts: Iterable[str], batch_size: int = 16,
                     time_limit: float | None = None) -> Iterator[list[Attribution]]:
        return self.base.extract_many(texts, batch_size, time_limit,
                                      annotate=self.doc_attributions)

    def parse(self, texts: Iterable[str], batch_size: int = 16, bare: bool = False):
        return self.base.parse(texts, batch_size, bare)

    def __repr__(self) -> str:
        return f"LearnedExtractor({self.model!r}, version={self.version!r})"
