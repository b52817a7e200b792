from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from annotations.api import serializers
from annotations.api.pagination import KeysetPagination
from annotations.api.selectors import articles_for_api
from claims import services
from claims.models import Article


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
            result = services.article_create(**submitted.validated_data,
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
