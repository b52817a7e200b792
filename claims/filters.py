import django_filters
from django import forms
from django.db.models import F, Q

from claims.models import Article


class ArticleFilter(django_filters.FilterSet):
    """Filters for the article list; expects articles_with_progress() annotations."""

    PROGRESS = [
        ("todo", "Waiting for me"),
        ("not_started", "Not reviewed yet"),
        ("in_progress", "Partly reviewed"),
        ("complete", "Fully reviewed"),
        ("no_claims", "No claims"),
    ]

    q = django_filters.CharFilter(method="search", label="Search",
                                  widget=forms.SearchInput(attrs={"placeholder": "Title or text"}))
    segmentation_status = django_filters.ChoiceFilter(choices=Article.Segmentation.choices,
                                                      label="Segmentation", empty_label="Any")
    outlet = django_filters.AllValuesFilter(label="Outlet", empty_label="Any outlet")
    published_on = django_filters.DateFromToRangeFilter(
        label="Published between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    progress = django_filters.ChoiceFilter(choices=PROGRESS, method="filter_progress",
                                           label="Review progress", empty_label="Any")

    class Meta:
        model = Article
        fields = ["q", "segmentation_status", "outlet", "published_on", "progress"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value))

    def filter_progress(self, queryset, name, value):
        conditions = {
            "todo": Q(n_claims__gt=F("n_mine")),
            "not_started": Q(n_claims__gt=0, n_reviewed=0),
            "in_progress": Q(n_reviewed__gt=0, n_reviewed__lt=F("n_claims")),
            "complete": Q(n_claims__gt=0, n_reviewed=F("n_claims")),
            "no_claims": Q(n_claims=0),
        }
        return queryset.filter(conditions[value]) if value in conditions else queryset
