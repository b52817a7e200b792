from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from annotations.forms import VerdictForm
from annotations.models import Verdict
from annotations.selectors import (
    articles_with_progress,
    claim_changes,
    claim_for_review,
    claims_for_review,
    reviewer_summary,
    verdict_of,
)
from claims import services
from claims.filters import ArticleFilter
from claims.forms import (
    ArticleSubmitForm,
    ClaimAddForm,
    ClaimSourceForm,
    ClaimSpansForm,
    ClaimVersionForm,
)
from claims.highlight import article_text_html, text_preview, text_segments
from claims.models import Article, Claim, Span
from claims.selectors import claim_spans_by_role, claim_texts


# --- Pages ----------------------------------------------------------------------------------
@login_required
def home(request):
    summary = reviewer_summary(reviewer=request.user)
    recent = articles_with_progress(reviewer=request.user)[:8]
    return render(request, "claims/home.html", {"summary": summary, "recent": recent})


@login_required
def article_list(request):
    articles = ArticleFilter(request.GET, request=request,
                             queryset=articles_with_progress(reviewer=request.user))
    page = Paginator(articles.qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "claims/article_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, {"filter": articles, "page": page,
                                      "query": query.urlencode()})


@login_required
def article_create(request):
    form = ArticleSubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.article_create(
                text=data["text"], title=data["title"], outlet=data["outlet"], url=data["url"],
                published_on=data["published_on"], submitted_by=request.user,
                submitted_via=data["via"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if not result.created:
                messages.info(request, "This text was already stored: here is that article.")
            return redirect(result.article)
    status = 422 if form.is_bound else 200
    return render(request, "claims/article_form.html", {"form": form}, status=status)


def _add_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def article_detail(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    selected_id = _int_or_none(request.GET.get("claim"))
    if request.htmx and request.htmx.target == "review" and selected_id is not None:
        claim = claim_for_review(claim_id=selected_id, article=article, reviewer=request.user)
        if claim is not None:
            return render(request, "claims/article_detail.html#review",
                          review_context(request, article=article, claim=claim))
    return article_page(request, article=article, selected_id=selected_id)


def article_page(request: HttpRequest, *, article: Article, selected_id: int | None,
                 status: int = 200, **review_extra) -> HttpResponse:
    """The article screen: text with highlights, the claims list and the review panel."""
    claims = claims_for_review(article=article, reviewer=request.user)
    for claim in claims:
        with_texts(claim, article.text)
    selected = next((c for c in claims if c.pk == selected_id), None) or next(
        (c for c in claims if c.status == Claim.Status.OPEN and not c.my_label),
        claims[0] if claims else None,
    )
    context = {
        "article": article,
        "article_url": article.get_absolute_url(),
        "claims": claims,
        "article_html": article_text_html(
            text_segments(article.text, claims, selected.pk if selected else None)),
        "n_reviewed": sum(1 for c in claims if c.my_label),
        "n_open": sum(1 for c in claims if c.status != Claim.Status.REJECTED),
        "add_form": review_extra.pop("add_form", None) or ClaimAddForm(article_text=""),
        "source_names": sorted({c.source.name for c in claims if c.source}),
    }
    if selected is not None:
        context.update(review_context(request, article=article, claim=selected, **review_extra))
    return render(request, "claims/article_detail.html", context, status=status)


def with_texts(claim: Claim, text: str) -> Claim:
    """Attach the claim's source, cue and content as written, and its list-row preview."""
    claim.texts = claim_texts(claim, text)
    claim.preview = text_preview(claim.texts["content"])
    return claim


def review_context(request, *, article: Article, claim: Claim, form: VerdictForm | None = None,
                   **extra) -> dict:
    """What the review panel shows for one claim (from claims_for_review: spans and my_label)."""
    verdict = verdict_of(claim=claim, reviewer=request.user)
    if not hasattr(claim, "texts"):
        with_texts(claim, article.text)
    return {
        "article": article,
        "article_url": article.get_absolute_url(),
        "claim": claim,
        "verdict": verdict,
        "form": form or VerdictForm.for_verdict(verdict),
        "history": claim_changes(claim=claim),
        "labels": Verdict.Label.choices,
        **extra,
    }


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def article_segmentation(request, pk: int):
    """GET: the segmentation status (polled while it runs). POST: queue it again."""
    article = get_object_or_404(Article.objects.defer("text"), pk=pk)
    if request.method == "POST":
        try:
            services.article_segmentation_queue(article=article)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
        else:
            messages.info(request, "Segmentation queued again.")
        return redirect(article)
    if not request.htmx:
        return redirect(article)
    article.refresh_from_db(fields=["segmentation_status", "segmentation_error"])
    response = render(request, "claims/article_detail.html#segmentation", {"article": article})
    if article.segmentation_status == Article.Segmentation.DONE:
        response["HX-Refresh"] = "true"  # the claims are in: show the page with them
    return response


# --- Fixing the extractor's output ----------------------------------------------------------
def _claim_edit_failed(request, claim: Claim, exc: ValidationError, **extra) -> HttpResponse:
    stale = isinstance(exc, services.StaleClaim)
    return article_page(request, article=claim.article, selected_id=claim.pk,
                        status=409 if stale else 422, edit_error=" ".join(exc.messages),
                        edit_stale=stale, **extra)


def _claim_edit(request, claim: Claim, form, apply: Callable[[dict], str]) -> HttpResponse:
    """Validate `form`, let `apply` make the edit from its data and name what it did, then go
    back to the claim; a refusal re-renders the article page with the reason (409 if stale)."""
    if not form.is_valid():
        return _claim_edit_failed(request, claim, ValidationError(_form_messages(form)))
    try:
        done = apply(form.cleaned_data)
    except ValidationError as exc:
        return _claim_edit_failed(request, claim, exc)
    messages.success(request, done)
    return redirect(claim)


@login_required
@require_POST
def claim_spans_set(request, pk: int):
    claim = get_object_or_404(Claim.objects.select_related("article"), pk=pk)
    starts = [start for spans in claim_spans_by_role(claim).values() for start, _ in spans]
    form = ClaimSpansForm(request.POST, article_text=claim.article.text,
                          near=min(starts) if starts else None)

    def apply(data: dict) -> str:
        services.claim_spans_update(claim=claim, role=data["role"], spans=[data["span"]],
                                    actor=request.user, expected_version=data["version"])
        return f"The claim's {Span.Role(data['role']).label.lower()} was updated."

    return _claim_edit(request, claim, form, apply)


def _form_messages(form) -> list[str]:
    return [f"{form.fields[field].label or field}: {error}" if field != "__all__" else error
            for field, errors in form.errors.items() for error in errors]


def _claim_status_view(service, done: str):
    @login_required
    @require_POST
    def view(request, pk: int):
        claim = get_object_or_404(Claim.objects.select_related("article"), pk=pk)

        def apply(data: dict) -> str:
            service(claim=claim, actor=request.user, expected_version=data["version"])
            return done

        return _claim_edit(request, claim, ClaimVersionForm(request.POST), apply)

    return view


claim_reject = _claim_status_view(services.claim_reject, "Claim rejected as not a claim.")
claim_restore = _claim_status_view(services.claim_restore, "Claim restored.")


@login_required
@require_POST
def claim_source(request, pk: int):
    claim = get_object_or_404(Claim.objects.select_related("article"), pk=pk)

    def apply(data: dict) -> str:
        if data["action"] == "merge":
            services.claim_source_merge(claim=claim, into=data["name"], actor=request.user,
                                        expected_version=data["version"])
        else:
            services.claim_source_set(claim=claim, source=data["name"], actor=request.user,
                                      expected_version=data["version"])
        return f"Source entity is now {data['name'].name}."

    return _claim_edit(request, claim, ClaimSourceForm(request.POST), apply)


@login_required
@require_POST
def claim_add(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    form = ClaimAddForm(request.POST, article_text=article.text)
    if form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_add(
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
        request.POST.get("selected")), status=422, add_form=form)
