from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations import access, exports
from annotations.exports import ExportClaim
from annotations.models import FinalVerdict, Verdict
from annotations.services import MAX_EVIDENCE_LINKS, evidence_links_clean
from claims.models import Article, Claim, Source
from claims.services import article_field_limit


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class UrlOrBlankField(serializers.CharField):
    """A link that may be missing, an empty string then: the schema says so (a URLField is
    documented as always a URI). For output only."""


class ArticleSerializer(serializers.ModelSerializer):
    """An article as the list shows it: no text (retrieve adds it); n_claims counts the claims
    that stand (not rejected)."""

    n_claims = serializers.IntegerField(read_only=True)
    url = UrlOrBlankField(read_only=True)

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
    # The columns' limits, which article_create enforces too: here they are per-field errors.
    title = TextField(max_length=article_field_limit("title"), required=False,
                      allow_blank=True, default="")
    outlet = TextField(max_length=article_field_limit("outlet"), required=False,
                       allow_blank=True, default="")
    url = LinkField(max_length=article_field_limit("url"), required=False, allow_blank=True,
                    default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    language = TextField(max_length=article_field_limit("language"), required=False,
                         allow_blank=True, default="en")


class SegmentationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="segmentation_status", read_only=True)
    attempts = serializers.IntegerField(source="segmentation_attempts", read_only=True)
    error = serializers.CharField(source="segmentation_error", read_only=True)
    # null until the step happened (the schema said a date-time always: Schemathesis found it)
    queued_at = serializers.DateTimeField(source="segmentation_queued_at", read_only=True,
                                          allow_null=True)
    started_at = serializers.DateTimeField(source="segmentation_started_at", read_only=True,
                                           allow_null=True)
    finished_at = serializers.DateTimeField(source="segmentation_finished_at", read_only=True,
                                            allow_null=True)

    class Meta:
        model = Article
        fields = ["id", "status", "attempts", "error", "queued_at", "started_at",
                  "finished_at"]


# --- Claims ---------------------------------------------------------------------------------
# Claims are serialized from the exports' read model (annotations.exports.ExportClaim), which
# already holds only what blind review lets the caller see.
class ArticleRefSerializer(serializers.Serializer):
    """The claim's article, as the JSON Lines export names it too."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    url = UrlOrBlankField()
    outlet = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)


class SourceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Source.Kind.choices)


class SpanSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="First character (code point, from 0).")
    end = serializers.IntegerField(help_text="One past the last character.")


class RoleSpansSerializer(serializers.Serializer):
    source = SpanSerializer(many=True)
    cue = SpanSerializer(many=True)
    content = SpanSerializer(many=True)


class RoleTextsSerializer(serializers.Serializer):
    source = serializers.CharField()
    cue = serializers.CharField()
    content = serializers.CharField()


class MyVerdictSerializer(serializers.Serializer):
    label = serializers.ChoiceField(choices=Verdict.Label.choices)
    revision = serializers.IntegerField(
        help_text="Send it back as expected_revision when changing the verdict.")
    claim_version = serializers.IntegerField(
        help_text="The claim's attribution_version the verdict judged.")
    current = serializers.BooleanField(
        help_text="False once the claim's source, cue or content changed since.")


class FinalVerdictSerializer(serializers.Serializer):
    label = serializers.ChoiceField(choices=Verdict.Label.choices)
    rationale = serializers.CharField(
        help_text="Adjudicated: the lead's reason (or its reason code's name). Unanimous: the "
                  "agreeing reviewers' rationales.")
    provenance = serializers.ChoiceField(
        choices=FinalVerdict.Provenance.choices,
        help_text="unanimous: the reviewers agreed; adjudicated: a lead decided.")
    agreeing_reviewers = serializers.IntegerField(
        help_text="How many reviewers' current verdicts gave this label.")
    decided_by = serializers.CharField(
        allow_null=True, help_text="The lead who adjudicated (for leads only; null otherwise "
                                   "and for a unanimous verdict).")
    reason_code = serializers.CharField(
        allow_blank=True, help_text="Adjudicated: reviewer_error, ambiguous_evidence, "
                                    "new_evidence or guideline_gap; empty when unanimous.")
    reason = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField()
    claim_version = serializers.IntegerField(
        help_text="The claim's attribution_version the decision was about.")


class ClaimSerializer(serializers.Serializer):
    """A claim as the caller may see it: where it is, what it says (offsets and words), who
    said it, its state, the caller's own verdict and, blind review permitting, the final
    verdict with how it was reached."""

    id = serializers.IntegerField()
    article = ArticleRefSerializer()
    position = serializers.IntegerField(help_text="Where the claim starts in the text.")
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    attribution_version = serializers.IntegerField(
        help_text="Changes when the source, cue or content changes; send it as claim_version "
                  "with a verdict.")
    created_at = serializers.DateTimeField()
    source = serializers.SerializerMethodField()
    spans = serializers.SerializerMethodField(
        help_text="Offsets into the article text, in code points, in text order.")
    texts = RoleTextsSerializer(help_text="The words the spans cover (pieces joined by “ … ”).")
    my_verdict = serializers.SerializerMethodField()
    final_verdict = serializers.SerializerMethodField()

    @extend_schema_field(SourceRefSerializer(allow_null=True))
    def get_source(self, claim: ExportClaim) -> dict | None:
        if claim.source_id is None:
            return None
        return {"id": claim.source_id, "name": claim.source_name, "kind": claim.source_kind}

    @extend_schema_field(MyVerdictSerializer(allow_null=True))
    def get_my_verdict(self, claim: ExportClaim) -> dict | None:
        mine = next((v for v in claim.verdicts if v.mine), None)
        return None if mine is None else MyVerdictSerializer(mine).data

    @extend_schema_field(FinalVerdictSerializer(allow_null=True))
    def get_final_verdict(self, claim: ExportClaim) -> dict | None:
        final = claim.final
        if final is None:
            return None
        return FinalVerdictSerializer({
            "label": final.label, "rationale": exports.rating_explanation(claim),
            "provenance": final.provenance,
            "agreeing_reviewers": len(exports.agreeing_verdicts(claim)),
            "decided_by": final.decided_by, "reason_code": final.reason_code,
            "reason": final.reason, "decided_at": final.decided_at,
            "claim_version": final.claim_version}).data

    @extend_schema_field(RoleSpansSerializer)
    def get_spans(self, claim: ExportClaim) -> dict:
        return {role: [{"start": start, "end": end} for start, end in spans]
                for role, spans in claim.spans.items()}


# --- Verdicts -------------------------------------------------------------------------------
class ReviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class VerdictSerializer(serializers.ModelSerializer):
    """A verdict as the caller may see it: who gave it is shown to leads, and to its own
    reviewer; `mine` says whether it is the caller's."""

    reviewer = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()
    current = serializers.BooleanField(
        read_only=True, help_text="It judged the claim's current source, cue and content.")

    class Meta:
        model = Verdict
        fields = ["id", "claim", "reviewer", "mine", "label", "rationale", "evidence_links",
                  "source_correct", "content_correct", "revision", "claim_version",
                  "current", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(ReviewerSerializer(allow_null=True))
    def get_reviewer(self, verdict: Verdict) -> dict | None:
        if verdict.reviewer_id != self.context["request"].user.pk and \
                not self.context["show_names"]:
            return None
        return {"id": verdict.reviewer_id, "username": verdict.reviewer.get_username()}

    def get_mine(self, verdict: Verdict) -> bool:
        return verdict.reviewer_id == self.context["request"].user.pk

    def get_fields(self):
        fields = super().get_fields()
        fields["evidence_links"] = serializers.ListField(child=serializers.URLField(),
                                                         read_only=True)
        return fields


class VerdictSubmitSerializer(KnownFieldsSerializer):
    """What a reviewer sends to give or change their own verdict; annotations.services.
    verdict_submit, which the review page uses too, checks the rest. An unknown field is
    refused by name: a misspelt "lable" or a "revision" meant as expected_revision would
    otherwise be dropped and the verdict saved without it."""

    claim = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.none(), error_messages={
            "does_not_exist": "There is no claim {pk_value} that you may review (it does not "
                              "exist, or its article was deleted).",
            "incorrect_type": "A claim is given by its id, a whole number, not "
                              "{data_type}."})
    label = serializers.ChoiceField(choices=Verdict.Label.choices)
    rationale = TextField(required=False, allow_blank=True, default="", max_length=10_000,
                          trim_whitespace=False)
    evidence_links = serializers.ListField(
        child=TextField(max_length=2000, allow_blank=True), required=False,
        default=list, help_text=f"http(s) links, at most {MAX_EVIDENCE_LINKS}.")
    source_correct = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Is the source (who said it) right? null: not checked.")
    content_correct = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Is the content (what was said) right? null: not checked.")
    expected_revision = serializers.IntegerField(
        min_value=0, help_text="The revision of your verdict you last saw (my_verdict."
                               "revision), 0 for none: if it has changed since, 409.")
    claim_version = serializers.IntegerField(
        min_value=1, help_text="The claim's attribution_version you judged: if its source, "
                               "cue or content changed since, 409.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["claim"].queryset = access.claims_visible_to(request.user)

    def validate_evidence_links(self, links: list[str]) -> list[str]:
        try:
            return evidence_links_clean(links)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


# --- Sources --------------------------------------------------------------------------------
class SourceSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="alias")

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "description", "aliases", "created_at"]
        read_only_fields = fields
