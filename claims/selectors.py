"""Every non-trivial read of articles, sources and claims."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone
from django.utils.module_loading import import_string

from claims.models import (
    DEFAULT_HOLDOUT,
    Article,
    Claim,
    ClaimChange,
    Source,
    Span,
    TrainedExtractor,
)
from claims.prepared import Prepared, numbered, params

SpanRow = tuple[str, int, int]  # role, start, end


@dataclass(frozen=True, slots=True)
class ClaimHighlight:
    """What the text's highlights need of a claim: its id, status and spans."""

    id: int
    status: str
    span_rows: list[SpanRow]


def article_is_live(prefix: str = "") -> Q:
    """The article is not (soft) deleted: the one rule that keeps a deleted article, and with
    it its claims, off every reviewer's page, queue and count. `prefix` reaches the article
    from another model ("article__" on claims, "claim__article__" on verdicts)."""
    return Q(**{f"{prefix}deleted_at__isnull": True})


def articles_live() -> QuerySet[Article]:
    return Article.objects.filter(article_is_live())


def claim_stands() -> Q:
    """A claim that stands as a claim: not rejected as "not a claim", in an article that is
    not deleted. Every claim count (article list, admin, progress, agreement) counts these and
    only these."""
    return ~Q(status=Claim.Status.REJECTED) & article_is_live("article__")


# Lists of up to PREPARED_IDS claims read their spans through SQL compiled once (claims.prepared)
# for each power-of-two length, the list padded with its last id (which changes no answer): a
# handful of shapes serve every article page and save. Longer lists (the exports' chunks) are
# built by the ORM each time.
PREPARED_IDS = 128
def _spans_of(claim_ids) -> QuerySet:
    """(claim id, role, start, end) of the claims' spans, in text order."""
    return (Span.objects.filter(claim__id__in=claim_ids).order_by("start", "end", "id")
            .values_list("claim_id", "role", "start", "end"))


_SPANS_OF = Prepared(lambda n: _spans_of(params("claim", n, IntegerField())))
_ROLES = tuple(Span.Role.values)


def span_rows_by_claim(claim_ids: Iterable[int]) -> dict[int, list[SpanRow]]:
    """The claims' spans as (role, start, end) tuples in text order, in one query.

    Plain tuples rather than Span instances: a long article's page reads thousands of spans,
    and model instances (which point back at their claim) cost time to build and leave
    reference cycles for the garbage collector, which showed as slow outlier requests.
    """
    rows: dict[int, list[SpanRow]] = defaultdict(list)
    ids = list(claim_ids)
    if not ids:
        return rows
    if len(ids) <= PREPARED_IDS:
        shape = 1 << (len(ids) - 1).bit_length()
        spans = _SPANS_OF.rows(shape, **numbered("claim", ids + ids[-1:] * (shape - len(ids))))
    else:
        spans = _spans_of(ids)
    for claim_id, role, start, end in spans:
        rows[claim_id].append((role, start, end))
    return rows


def spans_by_role(rows: Iterable[SpanRow]) -> dict[str, list[tuple[int, int]]]:
    """Span rows grouped by role, each list in the rows' order."""
    grouped: dict[str, list[tuple[int, int]]] = {role: [] for role in _ROLES}
    for role, start, end in rows:
        grouped[role].append((start, end))
    return grouped


def claim_spans_by_role(claim: Claim) -> dict[str, list[tuple[int, int]]]:
    """The claim's current spans grouped by role, each list in text order (read now)."""
    return spans_by_role(span_rows_by_claim([claim.pk])[claim.pk])


def count_per_article(claims: QuerySet[Claim]) -> Coalesce:
    """A correlated COUNT(*) of `claims` (already filtered on article=OuterRef("pk")), 0 when
    none. Unlike Count() over a join it needs no GROUP BY on the articles, is computed only for
    the rows a page shows, and stays out of a paginator's COUNT."""
    counted = claims.order_by().values("article").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def claims_prefetch_covered_texts(lookup: str = "spans", *,
                                  roles: Iterable[str] = Span.Role.values) -> Prefetch:
    """A prefetch of the claims' spans of `roles` (lookup "spans" on claims, "claim__spans" on
    rows that point at a claim), each with `covered`: the text it covers, cut out by the
    database. A list of claims from many articles then reads a few words per span instead of
    every article's whole text. Read them with `claim_texts_covered`."""
    spans = (Span.objects.filter(role__in=list(roles))
             .annotate(covered=Substr("claim__article__text", F("start") + 1,
                                      F("end") - F("start")))
             .order_by("start", "end", "id"))
    return Prefetch(lookup, queryset=spans, to_attr="covered_spans")


def claim_texts_covered(claim: Claim) -> dict[str, str]:
    """Source, cue and content as written, as the spans cover them, from a claim read with
    `claims_prefetch_covered_texts` (roles it did not read come out empty)."""
    pieces: dict[str, list[str]] = {role: [] for role in Span.Role.values}
    for span in claim.covered_spans:
        pieces[span.role].append(span.covered)
    return {role: " … ".join(role_pieces) for role, role_pieces in pieces.items()}  # as spans_text


def claim_changes_with_source_names(changes: QuerySet[ClaimChange]) -> QuerySet[ClaimChange]:
    """The changes, each with `source_names`-ready annotations: before_source_id/_name and
    after_source_id/_name, the entity each side recorded by id and its current name (None when
    there is none, or it has since been merged away); see claim_change_source_names."""
    for side in ("before", "after"):
        source_id = Cast(KT(f"{side}__source_id"), IntegerField())
        names = Source.objects.filter(pk=OuterRef(f"{side}_source_id")).values("name")[:1]
        changes = changes.annotate(**{f"{side}_source_id": source_id}).annotate(
            **{f"{side}_source_name": Subquery(names)})
    return changes


def claim_change_source_names(change: ClaimChange) -> dict[int, str]:
    """{entity id: current name} for a change read with claim_changes_with_source_names."""
    return {getattr(change, f"{side}_source_id"): getattr(change, f"{side}_source_name")
            for side in ("before", "after") if getattr(change, f"{side}_source_name", None)}


def claim_highlights(*, article_id: int, start: int, end: int) -> list[ClaimHighlight]:
    """The claims with a span in text[start:end], each with those spans: what highlighting
    that stretch of the text needs, in one query."""
    rows: dict[int, ClaimHighlight] = {}
    spans = (Span.objects.filter(claim__article_id=article_id, start__lt=end, end__gt=start)
             .order_by("start", "end", "id")
             .values_list("claim_id", "claim__status", "role", "start", "end"))
    for claim_id, status, role, span_start, span_end in spans:
        if claim_id not in rows:
            rows[claim_id] = ClaimHighlight(id=claim_id, status=status, span_rows=[])
        rows[claim_id].span_rows.append((role, span_start, span_end))
    return list(rows.values())


# --- Training the extractor -----------------------------------------------------------------
def reviewed_articles() -> QuerySet[Article]:
    """The desk's fully reviewed articles, the extractor's examples: what "reviewed" means is
    the reviewing side's rule, named by settings.CLAIMDESK_REVIEWED_ARTICLES (claims never
    imports annotations)."""
    return import_string(settings.CLAIMDESK_REVIEWED_ARTICLES)()


def training_examples(article_ids: Iterable[int]) -> Iterator[dict]:
    """The articles as the learner's examples, in the order given: {"id", "text",
    "attributions", "negatives"}, spans as [[start, end], ...] under "source", "cue" and
    "content". Attributions are the claims as they stand now (a reviewer's corrected spans,
    the claims reviewers added); negatives the claims rejected as not a claim. Two queries
    per EXAMPLES_CHUNK articles."""
    ids = list(article_ids)
    for at in range(0, len(ids), EXAMPLES_CHUNK):
        chunk = ids[at:at + EXAMPLES_CHUNK]
        texts = dict(Article.objects.filter(pk__in=chunk).values_list("pk", "text"))
        claims: dict[int, list[tuple[int, str, dict]]] = defaultdict(list)
        rows = (Span.objects.filter(claim__article__in=chunk)
                .order_by("claim__article_id", "claim__position", "claim_id", "start", "end")
                .values_list("claim__article_id", "claim_id", "claim__status", "role", "start",
                             "end"))
        for article_id, claim_id, status, role, start, end in rows:
            found = claims[article_id]
            if not found or found[-1][0] != claim_id:
                found.append((claim_id, status, {r: [] for r in Span.Role.values}))
            found[-1][2][role].append([start, end])
        for article_id in chunk:
            attributions = claims[article_id]
            yield {
                "id": str(article_id),
                "text": texts[article_id],
                "attributions": [spans for _, status, spans in attributions
                                 if status != Claim.Status.REJECTED],
                "negatives": [spans for _, status, spans in attributions
                              if status == Claim.Status.REJECTED],
            }


EXAMPLES_CHUNK = 200


# One article to learn from and one to hold out, at the very least; a handful more to learn
# anything worth having (the leads' page says how many the desk has).
MIN_REVIEWED_ARTICLES = 2


def too_little_data_message(n_reviewed: int) -> str:
    return (f"Too little reviewed data to train the extractor: {n_reviewed} fully reviewed "
            f"article{'' if n_reviewed == 1 else 's'}, at least {MIN_REVIEWED_ARTICLES} needed "
            "(some to learn from, at least one held out to measure the model on). An article "
            "counts once every claim in it is settled: rejected, final, added or corrected by "
            "a reviewer, or with its source and content marked right.")


def holdout_split(article_ids: list[int], fraction: float) -> tuple[list[int], list[int]]:
    """(training ids, held-out ids): `fraction` of the articles, rounded to the nearest whole
    number (a half up), held out, at least one and never all. The held-out ones are the first
    in the order of a hash of their ids, so the same desk gives the same split from one run to
    the next (a new model is measured on the articles the last one was measured on), and a
    larger fraction holds out more of the same order, never others."""
    if len(article_ids) < MIN_REVIEWED_ARTICLES:
        raise ValueError(too_little_data_message(len(article_ids)))
    # Decimal of the fraction as written: 0.35 of 10 is 3.5, rounded up to 4 (3.4999... as a
    # float product would round to 3).
    exact = (Decimal(repr(fraction)) * len(article_ids)).quantize(Decimal(1), ROUND_HALF_UP)
    n_held = min(max(int(exact), 1), len(article_ids) - 1)
    held = set(sorted(article_ids, key=_holdout_key)[:n_held])
    return ([pk for pk in article_ids if pk not in held],
            [pk for pk in article_ids if pk in held])


def _holdout_key(article_id: int) -> float:
    digest = hashlib.sha256(f"claimdesk-holdout:{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class TrainingSplit:
    training: list[int]  # article ids, in arrival order
    held_out: list[int]
    shortfall: str  # why a model cannot be trained on this split; "" when it can


def training_split(*, holdout: float) -> TrainingSplit:
    """The desk's fully reviewed articles split as a run holding out `holdout` of them splits
    them, and why no model can be trained so: fewer than MIN_REVIEWED_ARTICLES articles, or
    fewer attributions in the articles left to learn from than the learner needs
    (claims.extraction.learned.MIN_ATTRIBUTIONS). The one check before a run is queued (the
    extractor page, train_extractor) and when it starts. One query, no article's text."""
    from claims.extraction.learned import MIN_ATTRIBUTIONS

    # The attributions training_examples gives: the claims with spans that were not rejected.
    counted = (reviewed_articles()
               .annotate(n=Count("claims", distinct=True,
                                 filter=Q(claims__spans__isnull=False)
                                 & ~Q(claims__status=Claim.Status.REJECTED)))
               .values_list("pk", "n"))
    attributions = dict(counted)
    article_ids = list(attributions)
    if len(article_ids) < MIN_REVIEWED_ARTICLES:
        return TrainingSplit(training=[], held_out=article_ids,
                             shortfall=too_little_data_message(len(article_ids)))
    training, held_out = holdout_split(article_ids, holdout)
    n_attributions = sum(attributions[pk] for pk in training)
    shortfall = ""
    if n_attributions < MIN_ATTRIBUTIONS:
        shortfall = (
            f"Too little reviewed data to train the extractor: the {len(training)} "
            f"article{'' if len(training) == 1 else 's'} left to learn from (of "
            f"{len(article_ids)} fully reviewed, {len(held_out)} held out to measure the model "
            f"on) hold{'s' if len(training) == 1 else ''} {n_attributions} "
            f"attribution{'' if n_attributions == 1 else 's'}, at least {MIN_ATTRIBUTIONS} "
            "needed. Review more articles to the end, or hold fewer out (train_extractor "
            "--holdout).")
    return TrainingSplit(training=training, held_out=held_out, shortfall=shortfall)
# A queued run that no worker has taken for this long is given up: no worker runs, or its
# message was lost with a Redis restarted without persistence (the sweep re-sends it first).
TRAINING_RUN_WAITS_AT_MOST = timedelta(hours=6)
# Celery stops a run at its hard time limit (claims.tasks.train_extractor: the limit plus 60 s);
# a run still marked running this long after it started had its worker killed under it.
TRAINING_RUN_GRACE = timedelta(seconds=120)


def training_run_lost(*, status: str, created_at: datetime, started_at: datetime | None,
                      now: datetime | None = None) -> bool:
    """A run marked queued or running that no worker will ever finish: running past the
    task's hard time limit, or queued for TRAINING_RUN_WAITS_AT_MOST."""
    now = now or timezone.now()
    if status == TrainedExtractor.Status.RUNNING:
        limit = timedelta(seconds=settings.CLAIMDESK_TRAINING_TIME_LIMIT + 60)
        return (started_at or created_at) < now - limit - TRAINING_RUN_GRACE
    if status == TrainedExtractor.Status.QUEUED:
        return created_at < now - TRAINING_RUN_WAITS_AT_MOST
    return False


def trained_extractor_runs_unfinished() -> list[TrainedExtractor]:
    """Runs marked queued or running (a handful at most), newest first, lost ones included."""
    return list(TrainedExtractor.objects.filter(
        status__in=[TrainedExtractor.Status.QUEUED, TrainedExtractor.Status.RUNNING])
        .order_by("-created_at", "-id"))


def trained_extractor_run_in_progress() -> TrainedExtractor | None:
    """The run queued or running now, if any (a lost one does not count: training_run_lost)."""
    return next((run for run in trained_extractor_runs_unfinished()
                 if not training_run_lost(status=run.status, created_at=run.created_at,
                                          started_at=run.started_at)), None)


@dataclass(frozen=True)
class Figures:
    """Precision, recall and F1 in percent (None: not measured)."""

    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class TrainingRun:
    """A training run as the leads' extractor page shows it."""

    id: int
    status: str
    status_display: str
    progress: int
    stage: str
    error: str
    created_at: datetime
    started_at: datetime | None
    created_by: str
    finished_at: datetime | None
    training_articles: int
    training_attributions: int
    heldout_articles: int
    heldout_attributions: int
    learned: Figures
    rules: Figures
    baseline: Figures  # the model in use when it was trained (the rules when none was)
    baseline_version: str
    version: str
    active: bool
    activated_at: datetime | None
    activated_by: str
    forced: bool
    beat_baseline: bool

    @property
    def in_progress(self) -> bool:
        return self.status in (TrainedExtractor.Status.QUEUED, TrainedExtractor.Status.RUNNING)

    @property
    def lost(self) -> bool:
        """Marked queued or running, but no worker will finish it (training_run_lost)."""
        return training_run_lost(status=self.status, created_at=self.created_at,
                                 started_at=self.started_at)


@dataclass(frozen=True)
class ExtractorOverview:
    """The leads' extractor page: what segmentation runs now, the active model, every run."""

    in_use_version: str
    problem: str  # why the active model is not used ("" when it is, or none is active)
    active: TrainingRun | None
    runs: list[TrainingRun]
    reviewed_articles: int
    enough_data: bool
    shortfall: str  # why Train now cannot train a model (training_split), "" when it can
    run_in_progress_id: int | None  # the run queued or running now, which the page follows

    @property
    def run_in_progress(self) -> bool:
        return self.run_in_progress_id is not None


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def trained_extractor_beats_baseline(run: TrainedExtractor) -> bool:
    """The activation rule: the run's F1 on its held-out articles is above that of the model
    active when it was trained (the rules', when none was). A run that does not is activated
    only by a lead, recorded as forced, after a confirmation on the extractor page."""
    return (run.learned_f1 is not None and run.baseline_f1 is not None
            and run.learned_f1 > run.baseline_f1)


def training_run(run: TrainedExtractor) -> TrainingRun:
    """The run as TrainingRun; its created_by and activated_by read with it."""
    beat = trained_extractor_beats_baseline(run)
    return TrainingRun(
        id=run.pk, status=run.status, status_display=run.get_status_display(),
        progress=run.progress, stage=run.stage, error=run.error, created_at=run.created_at,
        started_at=run.started_at,
        created_by=_name(run.created_by), finished_at=run.finished_at,
        training_articles=run.training_articles,
        training_attributions=run.training_attributions,
        heldout_articles=run.heldout_articles, heldout_attributions=run.heldout_attributions,
        learned=Figures(_percent(run.learned_precision), _percent(run.learned_recall),
                        _percent(run.learned_f1)),
        rules=Figures(_percent(run.rules_precision), _percent(run.rules_recall),
                      _percent(run.rules_f1)),
        baseline=Figures(_percent(run.baseline_precision), _percent(run.baseline_recall),
                         _percent(run.baseline_f1)),
        baseline_version=run.baseline_version,
        version=run.version, active=run.active, activated_at=run.activated_at,
        activated_by=_name(run.activated_by), forced=run.forced, beat_baseline=beat)


def extractor_overview(*, runs_only: bool = False, limit: int = 50) -> ExtractorOverview:
    """The leads' extractor page. runs_only: what its poll of the runs table needs (the runs),
    without counting the desk's reviewed articles or loading the model in use."""
    from claims.extractors import extractor_in_use

    runs = [training_run(run) for run in trained_extractors()[:limit]]
    running = trained_extractor_run_in_progress()
    in_progress = running.pk if running is not None else None
    if runs_only:
        return ExtractorOverview(in_use_version="", problem="", active=None, runs=runs,
                                 reviewed_articles=0, enough_data=False, shortfall="",
                                 run_in_progress_id=in_progress)
    in_use = extractor_in_use()
    active = trained_extractors().filter(active=True).first()
    split = training_split(holdout=DEFAULT_HOLDOUT)
    return ExtractorOverview(
        in_use_version=in_use.extractor.version, problem=in_use.problem,
        active=training_run(active) if active is not None else None, runs=runs,
        reviewed_articles=len(split.training) + len(split.held_out),
        enough_data=not split.shortfall, shortfall=split.shortfall,
        run_in_progress_id=in_progress)


def trained_extractors() -> QuerySet[TrainedExtractor]:
    """Every training run, newest first, with who asked for it and who activated it."""
    return TrainedExtractor.objects.select_related("created_by", "activated_by")
