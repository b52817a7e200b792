"""The leads' screens. Each asks annotations.access.require_lead first: reviewers get 403,
anonymous visitors the login page.

- agreement: the agreement figures, as a page and as CSV;
- disagreements: claims whose reviewers disagree, every current verdict side by side, a form
  per claim to record the final verdict, and the latest decisions; adjudicating and reopening
  a final verdict (through annotations.consensus);
- extractor: training the extractor on the desk's reviewed claims (claims.services.extractors).
"""

import csv
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from annotations import access, consensus
from annotations.agreement_selectors import AgreementReport, agreement_report
from annotations.assignment import assigned_reviewer_ids, assignments_set
from annotations.dashboard import claim_states, oldest_waiting, verdicts_per_reviewer_per_day
from annotations.forms import AdjudicationForm, AssignmentForm, ReopenForm
from annotations.models import FinalVerdict, Verdict
from annotations.views import article_page, form_messages
from claims import services as claim_services
from claims.models import TrainedExtractor
from claims.selectors import extractor_overview, trained_extractor_beats_baseline, training_run

AGREEMENT_CSV_HEADER = ("scope", "reviewer_a", "reviewer_b", "items", "percent_agreement",
                        "cohen_kappa", "krippendorff_alpha")


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """The desk at a glance: claims by state, verdicts per reviewer per day, the claims
    waiting longest, and the overall agreement."""
    access.require_lead(request.user)
    return render(request, "annotations/lead/dashboard.html", {
        "states": claim_states(),
        "per_day": verdicts_per_reviewer_per_day(),
        "waiting": oldest_waiting(),
        "agreement": agreement_report().overall,
        "reviews_per_claim": settings.CLAIMDESK_REVIEWS_PER_CLAIM,
        "labels": Verdict.Label.choices,
    })


@login_required
@require_safe
def agreement(request: HttpRequest) -> HttpResponse:
    access.require_lead(request.user)
    return render(request, "annotations/lead/agreement.html", {"report": agreement_report()})


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields lines to a
    StreamingHttpResponse instead of buffering them (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def _figure(value: float | None) -> str:
    """A figure with four decimals; an undefined one as an empty cell."""
    return "" if value is None else f"{value:.4f}"


def agreement_csv_rows(report: AgreementReport) -> Iterator[tuple]:
    yield AGREEMENT_CSV_HEADER
    overall = report.overall
    yield ("overall", "", "", overall.items, _figure(overall.percent), "",
           _figure(overall.alpha))
    for row in report.articles:
        f = row.figures
        yield (f"article:{row.article_id}", "", "", f.items, _figure(f.percent), "",
               _figure(f.alpha))
    for row in report.pairs:
        f = row.figures
        yield ("pair", row.reviewer_a, row.reviewer_b, f.items, _figure(f.percent),
               _figure(f.kappa), "")


@login_required
@require_safe
def agreement_csv(request: HttpRequest) -> StreamingHttpResponse:
    access.require_lead(request.user)
    writer = csv.writer(_Echo())
    rows = agreement_csv_rows(agreement_report())
    filename = f"claimdesk-agreement-{timezone.localdate().isoformat()}.csv"
    return StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@login_required
@require_http_methods(["GET", "POST"])
def article_assign(request, pk: int):
    """Assign the article to named reviewers: /review/next/ hands them its claims first."""
    access.require_lead(request.user)
    article = access.access_article_by_id(request.user, pk, with_text=False)
    status = 200
    if request.method == "POST":
        form = AssignmentForm(request.POST)
        if form.is_valid():
            added, removed = assignments_set(article=article,
                                             reviewers=form.cleaned_data["reviewers"],
                                             actor=request.user,
                                             reason=form.cleaned_data["reason"])
            names = ", ".join(u.get_username() for u in form.cleaned_data["reviewers"])
            messages.success(request, f"Assigned to {names}." if names else
                             "No reviewer is assigned to this article now.")
            return redirect("annotations:article-assign", pk=article.pk)
        status = 422
    else:
        form = AssignmentForm(initial={"reviewers": sorted(assigned_reviewer_ids(
            article_id=article.pk))})
    return render(request, "annotations/lead/assign.html", {"article": article, "form": form},
                  status=status)


# --- Disagreements and adjudication ---------------------------------------------------------------
DISAGREEMENTS = "annotations/lead/disagreements.html"
PAGE_SIZE = 25


def _disagreements_page(request, *, refused: dict | None = None, status: int = 200):
    """The queue page; `refused` = {"claim_id", "form", "error", "stale"} for the claim whose
    adjudication was just refused, shown again with the lead's input and the reason."""
    page = Paginator(consensus.claims_needing_adjudication().order_by(
        "article__created_at", "article_id", "position", "id").values_list("pk", flat=True),
        PAGE_SIZE).get_page(request.GET.get("page"))
    rows = consensus.disagreements(
        claims=consensus.claims_needing_adjudication().filter(pk__in=list(page.object_list)))
    return render(request, DISAGREEMENTS, {
        "page": page, "rows": rows, "refused": refused or {},
        "labels": Verdict.Label.choices, "reasons": FinalVerdict.Reason.choices,
        "recent": consensus.recently_decided(limit=10),
    }, status=status)


@login_required
@require_safe
def disagreements(request):
    access.require_lead(request.user)
    return _disagreements_page(request)


@login_required
@require_POST
def adjudicate(request, pk: int):
    access.require_lead(request.user)
    claim = access.access_claim_by_id(request.user, pk)
    form = AdjudicationForm(request.POST)
    if not form.is_valid():
        return _disagreements_page(request, status=422, refused={
            "claim_id": claim.pk, "form": form, "error": " ".join(form_messages(form))})
    try:
        final = consensus.final_verdict_adjudicate(claim=claim, lead=request.user,
                                                   **form.cleaned_data)
    except consensus.StaleAdjudication as exc:
        return _disagreements_page(request, status=409, refused={
            "claim_id": claim.pk, "form": form, "error": " ".join(exc.messages),
            "stale": True})
    except ValidationError as exc:
        return _disagreements_page(request, status=422, refused={
            "claim_id": claim.pk, "form": form, "error": " ".join(exc.messages)})
    messages.success(request, f"Final verdict on claim {claim.pk}: "
                              f"{final.get_label_display()} ({final.get_reason_code_display()}).")
    return redirect("annotations:lead-disagreements")


@login_required
@require_POST
def reopen(request, pk: int):
    """Reopen a final verdict, then go back to the claim's page. A refusal shows the claim's
    page again with the reason and the lead's typed reason in the form (422, or 409 when the
    verdict was reopened meanwhile), as the desk's other forms with typed input do."""
    access.require_lead(request.user)
    claim = access.access_claim_by_id(request.user, pk)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_messages(form))
        consensus.final_verdict_reopen(claim=claim, lead=request.user,
                                       reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        stale = isinstance(exc, consensus.StaleAdjudication)
        return article_page(request, article=claim.article, selected_id=claim.pk,
                            status=409 if stale else 422,
                            reopen_error="Not reopened: " + " ".join(exc.messages),
                            reopen_reason=form["reason"].value() or "")
    # With its verdicts complete the claim waits for a lead's decision (the verdict service
    # takes no more from anyone but their authors); else it takes verdicts again.
    if consensus.claims_needing_adjudication().filter(pk=claim.pk).exists():
        messages.success(request, "Final verdict reopened: the claim has the verdicts it needs "
                                  "and waits on the disagreements page for a lead's decision.")
    else:
        messages.success(request, "Final verdict reopened: the claim takes verdicts again.")
    return redirect(claim)


EXTRACTOR_ACTIONS = {"train", "activate", "rules"}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def extractor(request: HttpRequest) -> HttpResponse:
    """The extractor's training: what segmentation runs now, the active model's figures,
    every training run (polled while one runs), Train now, Activate, back to the rules. Train
    now only queues a task: training never runs in a request. A model that did not beat the
    extractor it was measured against is activated only after a confirmation, which needs no
    JavaScript: ?activate=<run> shows it, its own form activates."""
    access.require_lead(request.user)
    if request.method == "POST":
        return _extractor_act(request, request.POST.get("action", ""))
    if request.htmx and request.htmx.target == "training-runs":
        return _extractor_poll(request)
    if "activate" in request.GET:
        return _extractor_confirm_activate(request, _training_run(request.GET["activate"]))
    return render(request, "annotations/lead/extractor.html", {"overview": extractor_overview()})


def _training_run(run_id: str) -> TrainedExtractor:
    return get_object_or_404(TrainedExtractor, pk=int(run_id) if run_id.isdigit() else 0)


def _activation_asks_first(run: TrainedExtractor) -> bool:
    """A finished model that did not beat the extractor it was measured against: activating it
    is forcing it. One that beat it is activated in one click; the service refuses the rest."""
    return (run.status == TrainedExtractor.Status.DONE and not run.active
            and not trained_extractor_beats_baseline(run))


def _extractor_confirm_activate(request: HttpRequest, run: TrainedExtractor) -> HttpResponse:
    """The page with the question "activate this model, which scored lower?" and the form that
    does it."""
    if not _activation_asks_first(run):
        return redirect("annotations:lead-extractor")
    return render(request, "annotations/lead/extractor.html", {
        "overview": extractor_overview(), "confirming": training_run(run)})


def _extractor_poll(request: HttpRequest) -> HttpResponse:
    """The runs table while the run the page follows goes on (nothing counted over the desk);
    once it has ended, the whole status area, since what is in use and Train now change with
    it (a model that beat the one in use is active, a new run may be asked for)."""
    overview = extractor_overview(runs_only=True)
    if (overview.run_in_progress_id is not None
            and str(overview.run_in_progress_id) == request.GET.get("following")):
        return render(request, "annotations/lead/extractor.html#runs", {"overview": overview})
    response = render(request, "annotations/lead/extractor.html#status",
                      {"overview": extractor_overview()})
    return retarget(reswap(response, "outerHTML"), "#extractor-status")


def _extractor_act(request: HttpRequest, action: str) -> HttpResponse:
    try:
        if action == "train":
            run = claim_services.trained_extractor_queue(created_by=request.user)
            messages.success(request, f"Training run {run.pk} queued: its progress shows "
                                      "below. The model is activated only if it beats the "
                                      "one in use.")
        elif action == "activate":
            run = _training_run(request.POST.get("run", ""))
            if request.POST.get("confirm") != "yes" and _activation_asks_first(run):
                # Not confirmed (an old page's form, a script): it asks first, as the page does.
                return _extractor_confirm_activate(request, run)
            run = claim_services.trained_extractor_activate(trained_extractor=run,
                                                            actor=request.user)
            messages.success(request, f"Trained model {run.pk} is active: workers use it from "
                                      "their next article.")
        elif action == "rules":
            claim_services.trained_extractor_deactivate(actor=request.user)
            messages.success(request, "No trained model is active: the rules run alone from "
                                      "the workers' next article.")
        else:
            messages.error(request, "Unknown action: nothing was changed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("annotations:lead-extractor")
