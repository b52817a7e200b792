import django_filters
from django import forms
from django.db.models import Q

from annotations import access
from annotations.selectors import (
    PROGRESS_CHOICES,
    PROGRESS_CHOICES_OWN,
    article_progress_condition,
)
from claims.models import Article


class ArticleFilter(django_filters.FilterSet):
    """Filters for the article list (the request is needed: "waiting for me" is per reviewer)."""

    q = django_filters.CharFilter(method="search", label="Search",
                                  widget=forms.SearchInput(attrs={"placeholder": "Title or text"}))
    segmentation_status = django_filters.ChoiceFilter(choices=Article.Segmentation.choices,
                                                      label="Segmentation", empty_label="Any")
    outlet = django_filters.AllValuesFilter(label="Outlet", empty_label="Any outlet")
    published_on = django_filters.DateFromToRangeFilter(
        label="Published between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    progress = django_filters.ChoiceFilter(choices=PROGRESS_CHOICES, method="filter_progress",
                                           label="Review progress", empty_label="Any")

    class Meta:
        model = Article
        fields = ["q", "segmentation_status", "outlet", "published_on", "progress"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if not access.may_see_desk_progress(request.user):
            # Blind review: the stages that reveal colleagues' verdicts are for leads.
            self.filters["progress"].extra["choices"] = PROGRESS_CHOICES_OWN

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value))

    def filter_progress(self, queryset, name, value):
        condition = article_progress_condition(progress=value, reviewer=self.request.user)
        return queryset if condition is None else queryset.filter(condition)
