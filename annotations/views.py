from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from annotations import services
from annotations.forms import VerdictForm
from annotations.selectors import (
    claim_for_review,
    claim_next_for_reviewer,
    claim_next_in_article,
    verdict_last,
)
from claims.models import Claim
from claims.views import article_page, review_context, with_texts

REVIEW_PARTIAL = "claims/article_detail.html#review"


@login_required
@require_POST
def verdict_submit(request, pk: int):
    """Save the reviewer's verdict, then move to the next claim they have not reviewed.

    htmx gets the review panel of that next claim (and the saved claim's row, out of band);
    a plain form post is redirected to it. A stale form gets 409 and keeps the input shown.
    """
    claim = get_object_or_404(Claim.objects.select_related("article"), pk=pk)
    form = VerdictForm(request.POST)
    error, status = None, 422
    if form.is_valid():
        try:
            verdict = services.verdict_submit(claim=claim, reviewer=request.user,
                                              **form.cleaned_data)
        except services.StaleVerdict as exc:
            error, status = exc, 409
        except ValidationError as exc:
            error = exc
        else:
            return _saved(request, claim, verdict)
    return _refused(request, claim, form, error, status)


def _saved(request, claim: Claim, verdict):
    article = claim.article
    following = claim_next_in_article(claim=claim, reviewer=request.user)
    target = following or claim
    if not request.htmx:
        messages.success(request, f"Saved ✓ {verdict.get_label_display()} on claim {claim.pk}.")
        return redirect(target.get_absolute_url())
    saved = claim_for_review(claim_id=claim.pk, article=article, reviewer=request.user)
    with_texts(saved, article.text)
    shown = saved if target.pk == claim.pk else claim_for_review(
        claim_id=target.pk, article=article, reviewer=request.user)
    context = review_context(request, article=article, claim=shown, saved_verdict=verdict,
                             saved_claim=saved, article_done=following is None)
    response = render(request, "claims/article_detail.html#review-and-row", context)
    response["HX-Push-Url"] = shown.get_absolute_url()
    # The page drops its unsaved-input draft of this claim on this signal only, never on a
    # bare 2xx (a login page, a proxy's page), so input is kept until it is really stored.
    trigger_client_event(response, "verdictSaved",
                         {"claim": claim.pk, "revision": verdict.revision})
    return response


def _refused(request, claim: Claim, form: VerdictForm, error: ValidationError | None,
             status: int):
    extra = {"form": form, "verdict_error": " ".join(error.messages) if error else None,
             "verdict_stale": status == 409}
    if not request.htmx:
        return article_page(request, article=claim.article, selected_id=claim.pk,
                            status=status, **extra)
    shown = claim_for_review(claim_id=claim.pk, article=claim.article, reviewer=request.user)
    context = review_context(request, article=claim.article, claim=shown, **extra)
    return render(request, REVIEW_PARTIAL, context, status=status)


@login_required
def review_next(request):
    """The next claim of the reviewer's queue, where they left off first."""
    last = verdict_last(reviewer=request.user)
    claim = claim_next_for_reviewer(
        reviewer=request.user, prefer_article_id=last.claim.article_id if last else None
    )
    if claim is None:
        return render(request, "annotations/queue_empty.html")
    return redirect(claim.get_absolute_url())
