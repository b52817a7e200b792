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

What pays is learned too: the model is fitted twice on half the training articles, each half
predicted by the model that did not see it, and the cue thresholds (one for the lexicon's
cues, one for other words) and whether the fallback is used are the ones that give the best
relation-lenient F1 over those predictions.
Rejected claims (`negatives`) are not used yet.
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

FORMAT_VERSION = 1
FEATURE_SET = "cue-3"
N_FEATURES = 2 ** 18
WEIGHTS_FILE = "weights.npz"
META_FILE = "meta.json"
_ARRAYS = ("cue_index", "cue_weight", "cue_bias")
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
    return feats


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
    cue token whose head lies outside the cue), preferring a candidate word."""
    toks = set()
    for start, end in cue_spans:
        toks.update(int(t) for t in owner[start:end] if t >= 0)
    if not toks:
        return set()
    roots = [i for i in sorted(toks) if doc[i].head.i not in toks or doc[i].head.i == i]
    for i in roots + sorted(toks):
        if is_candidate(doc[i]):
            return {i}
    return set()


def _labels(example: dict, chunks: list[tuple[int, object]]) -> list[tuple[object, set[int]]]:
    """(doc, gold cue token ids) per chunk of one example."""
    text = example["text"]
    out = []
    for offset, doc in chunks:
        owner = _char_to_token(doc, offset, len(text))
        cues: set[int] = set()
        for att in example.get("attributions") or []:
            cues |= _cue_heads(doc, owner, att.get("cue") or [])
        out.append((doc, cues))
    return out


# ------------------------------------------------------------------- model ---
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
        weights = np.zeros(N_FEATURES, dtype=np.float32)
        weights[arrays["cue_index"]] = arrays["cue_weight"]
        self._weights = weights
        self._bias = float(arrays["cue_bias"][0])
        settings = meta["features"]
        self.thresholds = (float(settings["threshold_lexicon"]), float(settings["threshold"]))
        self.build = build_with_fallback if settings["fallback"] else build
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
        if self._hash is None:
            self._hash = _hasher()
        x = self._hash.transform(feats)
        z = x @ self._weights + self._bias
        return ids, 1.0 / (1.0 + np.exp(-z)), known

    def find_cues(self, doc) -> list[int]:
        """Cue token indices in a parsed Doc (a `cue_finder` for doc_attributions)."""
        return _accepted(*self.cue_probabilities(doc), self.thresholds)

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


def _fit(x, y, seed: int):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0, max_iter=300, random_state=seed, solver="liblinear")
    clf.fit(x, y)
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
    feats, labels, pieces, fold = [], [], [], []
    for n, (example, chunks) in enumerate(zip(examples, parsed, strict=True)):
        for (offset, _), (doc, cues) in zip(chunks, _labels(example, chunks), strict=True):
            ids, fs, known = doc_candidates(doc)
            pieces.append((n, offset, doc, ids, known, len(labels), len(labels) + len(ids)))
            feats.extend(fs)
            labels.extend(i in cues for i in ids)
            fold.extend([n % 2] * len(ids))
        if progress is not None:
            progress(n + 1, len(examples), "features")
    y = np.array(labels, dtype=bool)
    if y.all() or not y.any():
        raise ValueError("Too little to learn from: the examples' cues give no contrast "
                         "between cue and non-cue words.")
    x = _hasher().transform(feats)
    fold_of = np.array(fold)
    prob = np.zeros(len(y))
    for k in (0, 1):  # each half predicted by a model fitted on the other half
        if progress is not None:
            progress(k, 3, "fitting")
        seen, unseen = fold_of != k, fold_of == k
        if y[seen].any() and not y[seen].all() and unseen.any():
            prob[unseen] = _fit(x[seen], y[seen], seed).predict_proba(x[unseen])[:, 1]
        else:  # too few articles to hold one half out: fall back to in-sample
            prob[unseen] = _fit(x, y, seed).predict_proba(x[unseen])[:, 1]
    (threshold_lexicon, threshold), fallback, f1 = _settings(examples, pieces, prob, progress)
    if progress is not None:
        progress(2, 3, "fitting")
    clf = _fit(x, y, seed)
    if progress is not None:
        progress(3, 3, "fitting")
    coef = clf.coef_[0].astype(np.float32)
    index = np.flatnonzero(coef).astype(np.int32)
    arrays = {"cue_index": index, "cue_weight": coef[index],
              "cue_bias": np.array([clf.intercept_[0]], dtype=np.float32)}
    meta = {
        "format_version": FORMAT_VERSION,
        "articles": len(examples),
        "attributions": n_atts,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "parser": extractor.model_name,
        "rules": extractor.version,
        "features": {"feature_set": FEATURE_SET, "n_features": N_FEATURES,
                     "threshold_lexicon": threshold_lexicon, "threshold": threshold,
                     "fallback": fallback,
                     "cross_fitted_f1": round(f1, 4), "candidates": len(labels),
                     "cues": int(y.sum()), "seed": seed},
    }
    return LearnedModel(arrays, meta)


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
                                build=self.model.build)

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
