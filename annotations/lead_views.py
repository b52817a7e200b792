"""The leads' screens. Each asks annotations.access.require_lead first: reviewers get 403,
anonymous visitors the login page."""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from annotations import access
from annotations.agreement_selectors import AgreementReport, agreement_report
from annotations.assignment import assigned_reviewer_ids, assignments_set
from annotations.forms import AssignmentForm

AGREEMENT_CSV_HEADER = ("scope", "reviewer_a", "reviewer_b", "items", "percent_agreement",
                        "cohen_kappa", "krippendorff_alpha")


@login_required
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
def agreement_csv(request: HttpRequest) -> StreamingHttpResponse:
    access.require_lead(request.user)
    writer = csv.writer(_Echo())
    rows = agreement_csv_rows(agreement_report())
    filename = f"claimdesk-agreement-{timezone.localdate().isoformat()}.csv"
    return StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@login_required
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
