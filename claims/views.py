"""Articles in: the submit screen, and an article's segmentation status and re-queue.

The reviewer's screens (home, article list, the article page) live in annotations.views.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from claims import access, services
from claims.forms import ArticleSubmitForm
from claims.models import Article
from claims.selectors import articles_live


@access.member_required
@require_http_methods(["GET", "POST"])
def article_create(request):
    if not access.can_submit_articles(request.user):
        raise PermissionDenied("You may not submit articles.")
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


@access.member_required
@require_http_methods(["GET", "POST"])
def article_segmentation(request, pk: int):
    """GET: the segmentation status (polled while it runs). POST: queue it again."""
    article = get_object_or_404(articles_live().defer("text"), pk=pk)
    if request.method == "POST":
        if not access.can_requeue_segmentation(request.user):
            raise PermissionDenied("You may not re-run segmentation.")
        try:
            services.article_segmentation_queue(article=article)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
        else:
            messages.info(request, "Segmentation queued again.")
        return redirect(article)
    if not request.htmx:
        return redirect(article)
    response = render(request, "claims/segmentation_status.html", {"article": article})
    if article.segmentation_status == Article.Segmentation.DONE:
        response["HX-Refresh"] = "true"  # the claims are in: show the page with them
    return response
