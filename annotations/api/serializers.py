from rest_framework import serializers

from claims.models import Article


class ArticleSerializer(serializers.ModelSerializer):
    """An article as the list shows it: no text (retrieve adds it); n_claims counts the claims
    that stand (not rejected)."""

    n_claims = serializers.IntegerField(read_only=True)

    class Meta:
        model = Article
        fields = ["id", "title", "outlet", "url", "published_on", "language", "created_at",
                  "submitted_via", "segmentation_status", "n_claims"]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text"]
        read_only_fields = fields


class ArticleCreateSerializer(serializers.Serializer):
    """What a client submits; claims.services.article_create does the rest of the checking
    (size, NUL bytes, duplicates)."""

    text = serializers.CharField(trim_whitespace=False)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   default="")
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True,
                                     default="en")


class SegmentationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="segmentation_status", read_only=True)
    attempts = serializers.IntegerField(source="segmentation_attempts", read_only=True)
    error = serializers.CharField(source="segmentation_error", read_only=True)
    queued_at = serializers.DateTimeField(source="segmentation_queued_at", read_only=True)
    started_at = serializers.DateTimeField(source="segmentation_started_at", read_only=True)
    finished_at = serializers.DateTimeField(source="segmentation_finished_at", read_only=True)

    class Meta:
        model = Article
        fields = ["id", "status", "attempts", "error", "queued_at", "started_at",
                  "finished_at"]
