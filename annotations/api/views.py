from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from annotations import access, services
from annotations.api import serializers
from annotations.api.pagination import KeysetPagination
from annotations.api.selectors import (
    articles_for_api,
    claims_as_seen,
    claims_for_api,
    sources_for_api,
    verdicts_for_api,
)
from annotations.filters import ClaimFilter, SourceFilter, VerdictFilter
from annotations.selectors import verdict_of
from claims import services as claim_services
from claims.models import Article


class SchemaView(SpectacularAPIView):
    """/api/schema/: the schema as YAML (JSON on ?format=json or by Accept), and its refusals
    (401, 403, 405, 404 for an unknown ?format) as JSON like every refusal under /api/: the
    schema's own renderers wrote them as YAML."""

    error_renderer_classes = [JSONRenderer]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        renderer = self.error_renderer_classes[0]()
        # finalize_response renders with what the request negotiated; an error overrides it.
        self.request.accepted_renderer = renderer
        self.request.accepted_media_type = renderer.media_type
        return response


class ApiDocsView(SpectacularSwaggerSplitView):
    """/api/docs/, a page for people: a signed-out browser is sent to log in and back (the
    API's 401 showed a bare "401 Unauthorized"). A request that sent credentials, valid or
    not, still gets the API's 401."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated) and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class NewestFirst(KeysetPagination):
    """Newest first, with the id as a tie-break so the order is total and cursors stable."""

    ordering = ("-created_at", "-id")


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Articles: list (newest first, cursor-paginated), retrieve with the text, create
    (201 with segmentation queued; 200 with the stored article when the text is already
    there), and the segmentation status."""

    pagination_class = NewestFirst

    def get_queryset(self):
        return articles_for_api(self.request.user, with_text=self.action == "retrieve")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ArticleDetailSerializer
        if self.action == "create":
            return serializers.ArticleCreateSerializer
        if self.action == "segmentation":
            return serializers.SegmentationSerializer
        return serializers.ArticleSerializer

    @extend_schema(request=serializers.ArticleCreateSerializer,
                   responses={201: serializers.ArticleDetailSerializer,
                              200: serializers.ArticleDetailSerializer})
    def create(self, request):
        submitted = serializers.ArticleCreateSerializer(data=request.data)
        submitted.is_valid(raise_exception=True)
        try:
            result = claim_services.article_create(**submitted.validated_data,
                                             submitted_by=request.user,
                                             submitted_via=Article.Via.API)
        except ValidationError as error:
            raise ApiValidationError(_field_errors(error)) from error
        article = articles_for_api(request.user, with_text=True).get(pk=result.article.pk)
        return Response(serializers.ArticleDetailSerializer(article).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @action(detail=True, methods=["get"])
    def segmentation(self, request, pk=None):
        return Response(serializers.SegmentationSerializer(self.get_object()).data)


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as DRF field errors; one without a field is the text's."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in ValidationError(errors).messages]
                for field, errors in error.error_dict.items()}
    return {"text": list(error.messages)}


# --- Claims ---------------------------------------------------------------------------------
class ReadingOrder(KeysetPagination):
    """Claims article by article, each in reading order (the claim_reading_order index)."""

    ordering = ("article_id", "position", "id")


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Claims the caller may see, with the filters of the exports (annotations.filters.
    ClaimFilter), read through the exports' read model: the same blind-review rules apply."""

    pagination_class = ReadingOrder
    filterset_class = ClaimFilter
    serializer_class = serializers.ClaimSerializer

    def get_queryset(self):
        return claims_for_api(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = claims_as_seen(request.user, [claim.pk for claim in page])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, pk=None):
        rows = claims_as_seen(request.user, [self.get_object().pk])
        if not rows:
            raise Http404("No such claim.")
        return Response(self.get_serializer(rows[0]).data)


# --- Verdicts -------------------------------------------------------------------------------
class Conflict(APIException):
    """The request is well formed but the claim or verdict is not in a state to take it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message: str, code: str):
        super().__init__({"detail": message, "code": code})


class ConflictSerializer(drf_serializers.Serializer):
    detail = drf_serializers.CharField()
    code = drf_serializers.ChoiceField(choices=["stale", "reviews_complete", "not_reviewable"])


class RecentlyUpdatedFirst(KeysetPagination):
    ordering = ("-updated_at", "-id")


class VerdictViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Verdicts the caller may see (blind review: their own, and colleagues' on the claims
    where they have their own current verdict; leads see all), most recently changed first;
    and a reviewer's own verdict given or changed through the service the review page uses."""

    pagination_class = RecentlyUpdatedFirst
    filterset_class = VerdictFilter
    serializer_class = serializers.VerdictSerializer

    def get_queryset(self):
        return verdicts_for_api(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(),
                "show_names": access.may_see_reviewer_names(self.request.user)}

    @extend_schema(
        request=serializers.VerdictSubmitSerializer,
        responses={201: serializers.VerdictSerializer, 200: serializers.VerdictSerializer,
                   409: ConflictSerializer},
        description="Give your verdict on a claim (201), or change it (200; sending the same "
                    "again changes nothing and answers 200). 409 when your verdict or the "
                    "claim changed since you read them (code stale), when the claim has the "
                    "verdicts it needs (reviews_complete), or when it takes no verdicts: "
                    "final or rejected (not_reviewable). Nothing is saved then.")
    def create(self, request):
        access.require(access.can_review(request.user), "You may not give verdicts.")
        submitted = serializers.VerdictSubmitSerializer(
            data=request.data, context=self.get_serializer_context())
        submitted.is_valid(raise_exception=True)
        values = dict(submitted.validated_data)
        claim = values.pop("claim")
        before = verdict_of(claim_id=claim.pk, reviewer=request.user)
        try:
            verdict = services.verdict_submit(claim=claim, reviewer=request.user, **values)
        except services.StaleVerdict as error:
            raise Conflict(" ".join(error.messages), "stale") from error
        except services.ReviewsComplete as error:
            raise Conflict(" ".join(error.messages), "reviews_complete") from error
        except ValidationError as error:
            raise Conflict(" ".join(error.messages), "not_reviewable") from error
        shown = self.get_serializer(self.get_queryset().get(pk=verdict.pk)).data
        location = reverse("api:verdict-detail", args=[verdict.pk], request=request)
        return Response(shown, headers={"Location": location},
                        status=status.HTTP_201_CREATED if before is None else status.HTTP_200_OK)


# --- Sources --------------------------------------------------------------------------------
class ByName(KeysetPagination):
    ordering = ("name", "id")


class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The desk's source entities (speakers) with their aliases, by name."""

    pagination_class = ByName
    filterset_class = SourceFilter
    serializer_class = serializers.SourceSerializer

    def get_queryset(self):
        return sources_for_api(self.request.user)
