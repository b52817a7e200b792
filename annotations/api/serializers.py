from collections.abc import Mapping

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


class TextField(serializers.CharField):
    """A string and nothing else: DRF's CharField turns 42 into "42", so a client that sends a
    number (or true) where text belongs would have it stored instead of hearing of its bug."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class LinkField(TextField, serializers.URLField):
    pass


class KnownFieldsSerializer(serializers.Serializer):
    """Refuses fields it does not have: a misspelt "titel" is an error the client sees, not a
    title silently dropped."""

    IGNORED = frozenset({"csrfmiddlewaretoken"})  # the browsable API's forms send it

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - self.IGNORED)
            if unknown:
                raise serializers.ValidationError(
                    dict.fromkeys(unknown, [f"Unknown field: the fields are "
                                            f"{', '.join(self.fields)}."]))
        return super().to_internal_value(data)


class ArticleCreateSerializer(KnownFieldsSerializer):
    """What a client submits; claims.services.article_create does the rest of the checking
    (size, NUL bytes, duplicates)."""

    text = TextField(trim_whitespace=False)
    title = TextField(max_length=500, required=False, allow_blank=True, default="")
    outlet = TextField(max_length=200, required=False, allow_blank=True, default="")
    url = LinkField(max_length=2000, required=False, allow_blank=True, default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    language = TextField(max_length=16, required=False, allow_blank=True, default="en")


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
