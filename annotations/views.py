"""The reviewer's screens: home, the article list, the article page with its review panel, the
claim edits that fix the extractor's output, the verdict save and the queue.

Each view asks annotations.access, reads through annotations.selectors and writes through a
service; htmx requests get the panel-sized templates under templates/annotations/review/.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from annotations import access, assignment, consensus, services
from annotations.filters import ArticleFilter
from annotations.forms import (
    ClaimAddForm,
    ClaimSourceForm,
    ClaimSpansForm,
    ClaimVersionForm,
    SourceEditForm,
    VerdictForm,
)
from annotations.models import Verdict
from annotations.read_models import ClaimForReview
from annotations.selectors import (
    article_left_off,
    article_progress_shown,
    articles_with_progress,
    claim_full_history,
    claim_history,
    claim_list_around,
    claim_list_page,
    claim_next_in_article,
    claims_after_save,
    claims_for_review_by_id,
    colleagues_verdicts,
    reviewer_summary,
    source_names_in_article,
    verdict_of,
)
from claims import services as claim_services
from claims.highlight import article_text_block, article_text_in_blocks
from claims.models import Article, Claim, Source, Span
from claims.selectors import claim_spans_by_role

PANEL = "annotations/review/panel.html"


# --- Home and the article list --------------------------------------------------------------
@access.member_required
@require_safe
def home(request):
    summary = reviewer_summary(reviewer=request.user)
    recent = articles_with_progress(reviewer=request.user)[:8]
    # Claims waiting for a lead's decision are no reviewer's to take (Next claim leaves them
    # out, and so does summary.waiting): a lead is told of them apart, with the way to them.
    to_decide = (consensus.claims_needing_adjudication().count()
                 if access.can_lead(request.user) else None)
    return render(request, "annotations/home.html", {"summary": summary, "recent": recent,
                                                     "to_decide": to_decide})


@access.member_required
@require_safe
def article_list(request):
    articles = ArticleFilter(request.GET, request=request,
                             queryset=articles_with_progress(reviewer=request.user))
    page = Paginator(articles.qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "annotations/article_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, {
        "filter": articles, "page": page, "query": query.urlencode(),
        "desk_progress": access.may_see_desk_progress(request.user)})


# --- The article page and its review panel --------------------------------------------------
@access.member_required
@require_safe
def article_detail(request, pk: int):
    article = access.access_article_by_id(request.user, pk)
    selected_id = _int_or_none(request.GET.get("claim"))
    if request.htmx and "text" in request.GET:
        return _text_block(request, article)
    if request.htmx and ("list_after" in request.GET or "list_before" in request.GET):
        return _list_page(request, article)
    if request.htmx and request.htmx.target == "review" and selected_id is not None:
        claims, n_claims = claims_for_review_by_id(article=article, claim_ids=[selected_id],
                                                   reviewer=request.user)
        if selected_id not in claims:
            return claim_gone(request, article=article, claim_id=selected_id)
        return render(request, PANEL, review_context(
            request, article=article, claim=claims[selected_id], n_claims=n_claims))
    return article_page(request, article=article, selected_id=selected_id)


def _list_page(request: HttpRequest, article: Article) -> HttpResponse:
    """The claim-list rows after (or before) a cursor, for the list's later/earlier links."""
    after, before = (_cursor(request.GET.get(name)) for name in ("list_after", "list_before"))
    if after is None and before is None:
        return HttpResponse("Bad list cursor.", status=400)
    page = claim_list_page(article=article, reviewer=request.user, after=after, before=before)
    return render(request, "annotations/review/claim_list_page.html",
                  {"article": article, "list_page": page})


def _text_block(request: HttpRequest, article: Article) -> HttpResponse:
    """One block of the article text with its highlights, fetched when scrolled into view."""
    start, _, end = request.GET["text"].partition("-")
    start, end = _int_or_none(start), _int_or_none(end)
    if start is None or end is None or not 0 <= start < end <= len(article.text):
        return HttpResponse("Bad text range.", status=400)
    return HttpResponse(article_text_block(article, start=start, end=end))


def _cursor(value: str | None) -> tuple[int, int] | None:
    position, _, claim_id = (value or "").partition(".")
    position, claim_id = _int_or_none(position), _int_or_none(claim_id)
    return None if position is None or claim_id is None else (position, claim_id)


def claim_gone(request: HttpRequest, *, claim_id: int, article: Article | None = None
               ) -> HttpResponse:
    """A panel-sized 404 for a claim that no longer exists (re-segmentation removed it), in
    place of a whole page swapped into the panel."""
    back = article.get_absolute_url() if article else (
        request.htmx.current_url_abs_path if request.htmx else None)
    return render(request, "annotations/review/gone.html",
                  {"claim_id": claim_id, "back": back}, status=404)


def article_page(request: HttpRequest, *, article: Article, selected_id: int | None,
                 status: int = 200, **review_extra) -> HttpResponse:
    """The article screen: text with highlights, a page of the claims list around the selected
    claim and its review panel."""
    page, selected = claim_list_around(article=article, reviewer=request.user,
                                       claim_id=selected_id)
    # Most articles' lists are all their claims: their rows then answer for the highlights
    # and the source names too.
    whole = page.claims if page.earlier is None and page.later is None else None
    progress = article_progress_shown(page=page, article_id=article.pk, reviewer=request.user)
    context = {
        "article": article,
        "list_page": page,
        "claims": page.claims,
        "article_html": article_text_in_blocks(
            article, selected_id=selected.id if selected else None,
            selected_spans=selected.span_rows if selected else (), claims=whole),
        "progress": progress,
        # the list numbers every claim, rejected ones too ("Claim 3 of 8"): the header says
        # how many of them are rejected, so its count of standing claims adds up
        "n_rejected": page.total - progress.claims,
        "add_form": review_extra.pop("add_form", None) or ClaimAddForm(article_text=""),
        "add_errors": review_extra.pop("add_errors", None),
        "source_names": source_names_in_article(article_id=article.pk, claims=whole),
        "missing_claim_id": selected_id if selected_id is not None and (
            selected is None or selected.id != selected_id) else None,
    }
    if selected is not None:
        context.update(review_context(request, article=article, claim=selected,
                                      n_claims=page.total, **review_extra))
    return render(request, "annotations/article_detail.html", context, status=status)


def review_context(request, *, article: Article, claim: ClaimForReview, n_claims: int,
                   form: VerdictForm | None = None, **extra) -> dict:
    """What the review panel shows for one claim (`n_claims`: the article's claims)."""
    # The claim's row says whether the reviewer has a verdict on it (at most one): read it
    # only then.
    verdict = (verdict_of(claim_id=claim.id, reviewer=request.user)
               if claim.my_label is not None else None)
    show_names = access.may_see_reviewer_names(request.user)
    colleagues = colleagues_verdicts(claim_id=claim.id, viewer=request.user,
                                     show_names=show_names) if access.may_see_others_verdicts(
        request.user, has_own_current_verdict=claim.reviewed_by_me) else None
    # The form only where the verdict service would take the verdict: the claim's row carries
    # selectors.takes_verdict_from, the rule the service refuses on (assignment.
    # verdict_slot_open), read with the row. After a reopen, say, a claim with its verdicts
    # complete waits for a lead's decision, not for one more verdict.
    takes_verdict = claim.reviewable and claim.takes_my_verdict
    return {
        "article": article,
        "claim": claim,
        "n_claims": n_claims,
        "verdict": verdict,
        "takes_verdict": takes_verdict,
        "reviews_per_claim": settings.CLAIMDESK_REVIEWS_PER_CLAIM,
        "may_lead": access.can_lead(request.user),
        "form": form or VerdictForm.for_verdict(verdict, claim_version=claim.attribution_version),
        "history": claim_full_history(claim_id=claim.id, text=article.text)
        if access.may_see_full_history(request.user)
        else claim_history(claim_id=claim.id, text=article.text, viewer=request.user,
                           show_names=show_names),
        "colleagues": colleagues,
        "labels": Verdict.Label.choices,
        "may_manage_sources": access.can_manage_sources(request.user),
        "final_verdict": consensus.final_verdict_shown_to(request.user, claim=claim),
        "source_kinds": Source.Kind.choices,
        "lease": assignment.lease_renew(reviewer=request.user, claim_id=claim.id),
        **extra,
    }


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Saving a verdict -----------------------------------------------------------------------
@access.member_required
@require_POST
def verdict_submit(request, pk: int):
    """Save the reviewer's verdict, then move to the next claim waiting for them.

    htmx gets the review panel of that next claim (with the saved claim's row and the progress
    count out of band); a plain form post is redirected to it. A stale form, or one more verdict
    than the claim needs, gets 409 and keeps the input shown.
    """
    try:
        claim = access.access_claim_by_id(request.user, pk)
    except Http404:
        if not request.htmx:
            raise
        return claim_gone(request, claim_id=pk)
    access.require(access.can_review(request.user), "You may not give verdicts.")
    form = VerdictForm(request.POST)
    error, status = None, 422
    if form.is_valid():
        try:
            verdict = services.verdict_submit(claim=claim, reviewer=request.user,
                                              **form.cleaned_data)
        except (services.StaleVerdict, services.ReviewsComplete) as exc:
            # Both conflict with what others did meanwhile: the input itself was fine.
            error, status = exc, 409
        except ValidationError as exc:
            error = exc
        else:
            return _saved(request, claim, verdict)
    return _refused(request, claim, form, error, status)


def _saved(request, claim: Claim, verdict: Verdict):
    article = claim.article
    if not request.htmx:
        following = claim_next_in_article(article_id=article.pk, reviewer=request.user,
                                          after=claim)
        messages.success(request, f"Saved ✓ {verdict.get_label_display()}.")
        return redirect((following or claim).get_absolute_url())
    after = claims_after_save(article=article, saved=claim, reviewer=request.user)
    shown = after.shown
    context = review_context(request, article=article, claim=shown, n_claims=after.n_claims,
                             saved_verdict=verdict, saved_claim=after.saved,
                             article_done=not after.following, progress=after.progress)
    response = render(request, "annotations/review/saved.html", context)
    response["HX-Push-Url"] = shown.get_absolute_url()
    # The page drops its unsaved-input draft of this claim on this signal only, never on a
    # bare 2xx (a login page, a proxy's page), so input is kept until it is really stored.
    trigger_client_event(response, "verdictSaved",
                         {"claim": claim.pk, "revision": verdict.revision})
    return response


def _refused(request, claim: Claim, form: VerdictForm, error: ValidationError | None,
             status: int):
    extra = {"form": form, "verdict_error": " ".join(error.messages) if error else None,
             "verdict_stale": isinstance(error, services.StaleVerdict)}
    if not request.htmx:
        return article_page(request, article=claim.article, selected_id=claim.pk,
                            status=status, **extra)
    claims, n_claims = claims_for_review_by_id(article=claim.article, claim_ids=[claim.pk],
                                               reviewer=request.user)
    context = review_context(request, article=claim.article, claim=claims[claim.pk],
                             n_claims=n_claims, **extra)
    return render(request, PANEL, context, status=status)


@access.member_required
@require_safe
def review_next(request):
    """Lease the reviewer the next claim that still needs verdicts: their assigned articles
    first, then where they left off (see annotations.assignment)."""
    claim = assignment.lease_next(reviewer=request.user,
                                  prefer_article_id=article_left_off(reviewer=request.user))
    if claim is None:
        return render(request, "annotations/queue_empty.html")
    return redirect(claim.get_absolute_url())


# --- Fixing the extractor's output ----------------------------------------------------------
def _claim_edit_failed(request, claim: Claim, exc: ValidationError, **extra) -> HttpResponse:
    stale = isinstance(exc, claim_services.StaleClaim)
    return article_page(request, article=claim.article, selected_id=claim.pk,
                        status=409 if stale else 422, edit_error=" ".join(exc.messages),
                        edit_stale=stale, **extra)


def _claim_edit(request, claim: Claim, form, apply: Callable[[dict], str],
                **refused_extra) -> HttpResponse:
    """Validate `form`, let `apply` make the edit from its data and name what it did, then go
    back to the claim; a refusal re-renders the article page with the reason (409 if stale)
    and `refused_extra` in its context."""
    if not form.is_valid():
        return _claim_edit_failed(request, claim, ValidationError(form_messages(form)),
                                  **refused_extra)
    try:
        done = apply(form.cleaned_data)
    except ValidationError as exc:
        return _claim_edit_failed(request, claim, exc, **refused_extra)
    messages.success(request, done)
    return redirect(claim)


def form_messages(form) -> list[str]:
    """Every error of a bound form as "Field: message", for one alert a reviewer can read."""
    return [f"{form.fields[field].label or field}: {error}" if field != "__all__" else error
            for field, errors in form.errors.items() for error in errors]


@access.member_required
@require_POST
def claim_spans_set(request, pk: int):
    claim = access.access_claim_by_id(request.user, pk, for_edit=True)
    starts = [start for spans in claim_spans_by_role(claim).values() for start, _ in spans]
    form = ClaimSpansForm(request.POST, article_text=claim.article.text,
                          near=min(starts) if starts else None)

    def apply(data: dict) -> str:
        claim_services.claim_spans_update(claim=claim, role=data["role"], spans=[data["span"]],
                                          actor=request.user, expected_version=data["version"])
        return f"The claim's {Span.Role(data['role']).label.lower()} was updated."

    # A refusal shows the offsets or text the reviewer typed again, to choose the role for.
    return _claim_edit(request, claim, form, apply, spans_input=request.POST)


def _claim_status_view(service, done: str):
    @access.member_required
    @require_POST
    def view(request, pk: int):
        claim = access.access_claim_by_id(request.user, pk, for_edit=True)

        def apply(data: dict) -> str:
            service(claim=claim, actor=request.user, expected_version=data["version"])
            return done

        return _claim_edit(request, claim, ClaimVersionForm(request.POST), apply)

    return view


claim_reject = _claim_status_view(claim_services.claim_reject, "Claim rejected as not a claim.")
claim_restore = _claim_status_view(claim_services.claim_restore, "Claim restored.")


@access.member_required
@require_POST
def claim_source(request, pk: int):
    claim = access.access_claim_by_id(request.user, pk, for_edit=True)

    def apply(data: dict) -> str:
        if data["action"] == "merge":
            access.require(access.can_manage_sources(request.user),
                           "Only leads may merge source entities.")
            claim_services.claim_source_merge(claim=claim, into=data["name"],
                                              actor=request.user,
                                              expected_version=data["version"])
        else:
            claim_services.claim_source_set(claim=claim, source=data["name"],
                                            actor=request.user,
                                            expected_version=data["version"])
        return f"Source entity is now {data['name'].name}."

    return _claim_edit(request, claim, ClaimSourceForm(request.POST), apply)


@access.member_required
@require_POST
def claim_add(request, pk: int):
    article = access.access_article_by_id(request.user, pk)
    access.require(access.can_edit_claims(request.user), "You may not add claims.")
    form = ClaimAddForm(request.POST, article_text=article.text)
    if form.is_valid():
        data = form.cleaned_data
        try:
            claim = claim_services.claim_add(
                article=article, content_spans=[data["span"]], cue_spans=[data["cue_span"]],
                source_spans=[data["source_span"]] if data.get("source_span") else [],
                kind=data["kind"], actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Claim added.")
            return redirect(claim)
    return article_page(request, article=article, selected_id=_int_or_none(
        request.POST.get("selected")), status=422, add_form=form,
        add_errors=form_messages(form))


@access.member_required
@require_POST
def source_edit(request, pk: int):
    """Rename a source entity or set its kind (recorded in its history), then go back to the
    claim the reviewer came from; a refusal shows that claim's page again with the reason
    (422)."""
    access.require(access.can_manage_sources(request.user),
                   "Only leads may rename source entities or set their kind.")
    source = Source.objects.filter(pk=pk).first()
    if source is None:
        raise Http404("No such source entity: it may have been merged into another.")
    form = SourceEditForm(request.POST)
    back_to = access.claims_visible_to(request.user).select_related("article").filter(
        pk=_int_or_none(request.POST.get("claim"))).first()
    try:
        if not form.is_valid():
            raise ValidationError(form_messages(form))
        claim_services.source_update(source=source, name=form.cleaned_data["name"],
                                     kind=form.cleaned_data["kind"], actor=request.user)
    except ValidationError as exc:
        refused = "The source entity was not changed: " + " ".join(exc.messages)
        if back_to is None:
            return HttpResponse(refused, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, refused)
        return article_page(request, article=back_to.article, selected_id=back_to.pk,
                            status=422)
    messages.success(request, f"Source entity is now “{source.name}” "
                     f"({source.get_kind_display().lower()}).")
    return redirect(back_to or "annotations:article-list")
