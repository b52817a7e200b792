"""Filters (django-filter) of the lists: the article list page, and the claims, verdicts and
sources of the API. The claims list and the three exports share ClaimFilter, so "the same
filters as the claims list" holds by construction."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.forms.utils import ErrorList
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget
from drf_spectacular.utils import extend_schema_field

from annotations import access
from annotations.models import Verdict
from annotations.selectors import (
    PROGRESS_CHOICES,
    PROGRESS_CHOICES_OWN,
    article_progress_condition,
    reviewed_by,
)
from claims.models import Article, Claim, Source, SourceAlias
from claims.sources import normalise_source_name

MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


class PublishedRangeWidget(DateRangeWidget):
    """The two date inputs of "Published between", each with its own accessible name: the
    group's label does not say which end of the range an input is."""

    def __init__(self):
        super().__init__(attrs={"type": "date"})
        for widget, name in zip(self.widgets, ["Published from", "Published to"], strict=True):
            widget.attrs["aria-label"] = name


class ArticleFilter(django_filters.FilterSet):
    """Filters for the article list (the request is needed: "waiting for me" is per reviewer)."""

    q = django_filters.CharFilter(method="search", label="Search",
                                  widget=forms.SearchInput(attrs={"placeholder": "Title or text"}))
    segmentation_status = django_filters.ChoiceFilter(choices=Article.Segmentation.choices,
                                                      label="Segmentation", empty_label="Any")
    outlet = django_filters.AllValuesFilter(label="Outlet", empty_label="Any outlet")
    published_on = django_filters.DateFromToRangeFilter(label="Published between",
                                                         widget=PublishedRangeWidget())
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


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number (NumberFilter alone takes decimals), described as one
    in the API schema."""

    field_class = forms.IntegerField

    def __init__(self, *args, help_text: str, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)
        extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID,
                             "description": help_text})(self)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, in UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO
    8601 allows (Schemathesis found it), and a time near year 1 or 9999 may not convert."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError("This date and time is out of range.",
                                  code="invalid") from None


class UtcDateTimeRangeField(RangeField):
    widget = DateRangeWidget  # NAME_after and NAME_before

    def __init__(self, *args, **kwargs):
        super().__init__((UtcDateTimeField(), UtcDateTimeField()), *args, **kwargs)


class DateTimeRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcDateTimeRangeField


class ParameterErrors:
    """Errors under the query parameters the client sent: a bad bound of a date range is
    reported as created_after or created_before (django-filter files it under "created", a
    parameter no request carries). For the claims and verdicts lists and the exports."""

    @property
    def errors(self):
        errors = super().errors
        for name in [name for name in errors if name in self.filters]:
            field = self.filters[name].field
            if not isinstance(field, RangeField):
                continue
            bounds = {}
            for suffix, bound in zip(field.widget.suffixes, field.fields, strict=True):
                parameter = f"{name}_{suffix}"
                try:
                    bound.clean(self.data.get(parameter))
                except ValidationError as error:
                    bounds[parameter] = ErrorList(error.error_list)
            if bounds:
                del errors[name]
                errors.update(bounds)
        return errors


def _own_reviewer_only(filterset) -> None:
    """Who gave which verdict is for leads (annotations.access.may_see_reviewer_names): anyone
    else may filter by their own id only, and is told so for another."""
    user = filterset.request.user
    if access.may_see_reviewer_names(user):
        return

    def own(value):
        if value != user.pk:
            raise ValidationError("Only leads may filter by another reviewer's verdicts; use "
                                  f"your own id ({user.pk}).", code="not_yours")

    filterset.filters["reviewer"].extra["validators"] = [own]


class ClaimFilter(ParameterErrors, django_filters.FilterSet):
    """The claims list's filters (query parameters), shared by the API's claims list and the
    exports: article, source (entity id), kind and status (each repeatable: status=open&
    status=final), reviewer (claims with that reviewer's current verdict; a reviewer may name
    only themselves), final_label, and created_after/created_before and finalised_after/
    finalised_before (ISO 8601, bounds included). Blind review: for a reviewer, final_label and
    finalised_* match only claims whose final verdict they may see. The exports start from
    the claims that stand, so status=rejected exports nothing."""

    article = IdFilter(field_name="article_id", help_text="Only this article's claims.")
    source = IdFilter(field_name="source_id", help_text="Only claims of this source entity.")
    kind = django_filters.MultipleChoiceFilter(choices=Claim.Kind.choices, distinct=False,
                                               help_text="Repeat for several kinds.")
    status = django_filters.MultipleChoiceFilter(
        choices=Claim.Status.choices, distinct=False,
        help_text="Repeat for several statuses (the exports never include rejected claims).")
    reviewer = IdFilter(method="filter_reviewer",
                        help_text="Claims with this reviewer's current verdict (a reviewer may "
                                  "give only their own id).")
    final_label = django_filters.ChoiceFilter(
        choices=Verdict.Label.choices, method="filter_final_label",
        help_text="Claims whose final verdict has this label (blind review: for a reviewer, "
                  "only those whose final verdict they may see).")
    created = DateTimeRangeFilter(
        field_name="created_at",
        help_text="When the claim was found (ISO 8601; _after and _before included).")
    finalised = DateTimeRangeFilter(
        method="filter_finalised",
        help_text="When the final verdict was reached (ISO 8601; _after and _before "
                  "included; blind review as for final_label).")

    class Meta:
        model = Claim
        fields = ["article", "source", "kind", "status", "reviewer", "final_label", "created",
                  "finalised"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        _own_reviewer_only(self)

    def _final_visible(self, queryset):
        return queryset.filter(access.BlindRules(self.request.user).final_verdict_condition())

    def filter_reviewer(self, queryset, name, value):
        return queryset.filter(reviewed_by(value))

    def filter_final_label(self, queryset, name, value):
        return self._final_visible(queryset.filter(final_verdict__label=value))

    def filter_finalised(self, queryset, name, value):
        if value.start is None and value.stop is None:
            return queryset
        if value.start is not None:
            queryset = queryset.filter(final_verdict__decided_at__gte=value.start)
        if value.stop is not None:
            queryset = queryset.filter(final_verdict__decided_at__lte=value.stop)
        return self._final_visible(queryset)


class VerdictFilter(ParameterErrors, django_filters.FilterSet):
    """The verdicts list's filters: claim, article, reviewer (a reviewer may name only
    themselves), label, and updated_after/updated_before (ISO 8601, bounds included)."""

    claim = IdFilter(field_name="claim_id", help_text="Only verdicts on this claim.")
    article = IdFilter(field_name="claim__article_id",
                       help_text="Only verdicts on this article's claims.")
    reviewer = IdFilter(field_name="reviewer_id",
                        help_text="Only this reviewer's verdicts (a reviewer may give only "
                                  "their own id).")
    label = django_filters.ChoiceFilter(choices=Verdict.Label.choices)
    updated = DateTimeRangeFilter(
        field_name="updated_at",
        help_text="When the verdict was last changed (ISO 8601; _after and _before included).")

    class Meta:
        model = Verdict
        fields = ["claim", "article", "reviewer", "label", "updated"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        _own_reviewer_only(self)


class SourceFilter(django_filters.FilterSet):
    """The source entities list's filters: q (in the name or an alias, as typed or as the
    merge key normalises it: "Mali's army" finds "Malian army") and kind (repeatable)."""

    q = django_filters.CharFilter(method="search", max_length=300,
                                  help_text="Part of the entity's name or of an alias.")
    kind = django_filters.MultipleChoiceFilter(choices=Source.Kind.choices, distinct=False,
                                               help_text="Repeat for several kinds.")

    class Meta:
        model = Source
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        key = normalise_source_name(value)
        named, aliased = Q(name__icontains=value), Q(alias__icontains=value)
        if key:
            named |= Q(normalized_name__contains=key)
            aliased |= Q(normalized_alias__contains=key)
        aliases = SourceAlias.objects.filter(aliased, source=OuterRef("pk"))
        return queryset.filter(named | Q(Exists(aliases)))
