from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from knox.models import AuthToken

from annotations import access
from annotations.admin_selectors import verdict_out_of_date, verdicts_with_claim
from annotations.models import (
    ApiTokenName,
    Assignment,
    AssignmentChange,
    FinalVerdict,
    FinalVerdictChange,
    Lease,
    LeaseChange,
    Verdict,
    VerdictRevision,
    Webhook,
    WebhookAttempt,
    WebhookChange,
    WebhookDelivery,
)
from claims.admin import ReadOnlyAdminMixin
from claims.selectors import claim_texts_covered


class VerdictRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VerdictRevision
    extra = 0
    fields = ["revision", "label", "rationale", "evidence_links", "source_correct",
              "content_correct", "claim_version", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class LeadsOnlyAdminMixin:
    """Who gave which verdict is for leads (blind review): staff who are not leads do not see
    these pages, whatever their model permissions."""

    def has_module_permission(self, request):
        return access.is_lead(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return access.is_lead(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return access.is_lead(request.user) and super().has_change_permission(request, obj)


class OutOfDateFilter(admin.SimpleListFilter):
    title = "claim changed since"
    parameter_name = "out_of_date"

    def lookups(self, request, model_admin):
        return [("yes", "Out of date"), ("no", "Current")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(verdict_out_of_date())
        if self.value() == "no":
            return queryset.exclude(verdict_out_of_date())
        return queryset


@admin.register(Verdict)
class VerdictAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Verdicts are written by reviewers through the review screen; here they are read (a
    verdict carries its append-only history, and even a save of the unchanged form would move
    its updated_at)."""

    list_display = ["claim_content", "article_title", "reviewer", "label", "rationale_cut",
                    "revision", "version_judged", "updated_at"]
    list_display_links = ["claim_content"]
    list_filter = ["label", OutOfDateFilter, "source_correct", "content_correct", "updated_at"]
    search_fields = ["reviewer__username", "rationale", "claim__article__title"]
    raw_id_fields = ["claim", "reviewer"]
    readonly_fields = ["claim", "reviewer", "label", "rationale", "evidence_links",
                       "source_correct", "content_correct", "revision", "version_judged",
                       "created_at", "updated_at"]
    inlines = [VerdictRevisionInline]

    def get_queryset(self, request):
        return verdicts_with_claim(super().get_queryset(request))

    @admin.display(description="Claim content")
    def claim_content(self, verdict):
        return Truncator(claim_texts_covered(verdict.claim)["content"]).chars(80)

    @admin.display(description="Article", ordering="claim__article__title")
    def article_title(self, verdict):
        article = verdict.claim.article
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:claims_article_change", args=[article.pk]),
                           Truncator(article.title).chars(60))

    @admin.display(description="Rationale")
    def rationale_cut(self, verdict):
        return Truncator(verdict.rationale).chars(60)

    @admin.display(description="Version judged", ordering="claim_version")
    def version_judged(self, verdict):
        if verdict.out_of_date:
            return (f"{verdict.claim_version} (claim now at "
                    f"{verdict.claim.attribution_version}: out of date)")
        return str(verdict.claim_version)


@admin.register(VerdictRevision)
class VerdictRevisionAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["verdict", "revision", "label", "claim_version", "recorded_by",
                    "recorded_at"]
    list_select_related = ["verdict__reviewer", "recorded_by"]  # Verdict.__str__ names them
    list_filter = ["label"]
    search_fields = ["recorded_by__username", "rationale"]


class LeaseChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeaseChange
    extra = 0
    fields = ["action", "reason", "actor", "before", "after", "at"]
    readonly_fields = fields


@admin.register(Lease)
class LeaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Leases are granted by /review/next/ and released by saving: read here, never edited."""

    list_display = ["claim", "reviewer", "created_at", "expires_at", "released_at"]
    list_select_related = ["reviewer"]
    list_filter = ["released_at", "expires_at"]
    search_fields = ["reviewer__username"]
    inlines = [LeaseChangeInline]


@admin.register(LeaseChange)
class LeaseChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["lease", "action", "reason", "actor", "at"]
    list_select_related = ["lease__reviewer", "actor"]
    list_filter = ["action"]
    search_fields = ["actor__username", "reason"]


class AssignmentChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AssignmentChange
    extra = 0
    fields = ["action", "reason", "actor", "before", "after", "at"]
    readonly_fields = fields


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Leads assign articles on the article's Assign reviewers page; read here."""

    list_display = ["article", "reviewer", "assigned_by", "assigned_at", "unassigned_at"]
    list_select_related = ["article", "reviewer", "assigned_by"]
    list_filter = ["unassigned_at"]
    search_fields = ["reviewer__username", "article__title"]
    inlines = [AssignmentChangeInline]


@admin.register(AssignmentChange)
class AssignmentChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["assignment", "action", "reason", "actor", "at"]
    list_select_related = ["assignment__reviewer", "actor"]
    list_filter = ["action"]
    search_fields = ["actor__username", "reason"]


@admin.register(FinalVerdict)
class FinalVerdictAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Final verdicts are set by consensus or by a lead on the disagreement page."""

    list_display = ["claim", "label", "provenance", "reason_code", "decided_by", "decided_at",
                    "claim_version"]
    list_select_related = ["decided_by"]
    list_filter = ["label", "provenance", "reason_code", "decided_at"]
    search_fields = ["decided_by__username", "reason"]
    raw_id_fields = ["claim", "decided_by"]


@admin.register(FinalVerdictChange)
class FinalVerdictChangeAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["claim", "action", "reason_code", "actor", "at"]
    list_select_related = ["actor"]
    list_filter = ["action", "reason_code", "at"]
    search_fields = ["actor__username", "reason"]
    raw_id_fields = ["claim", "actor"]


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Personal API tokens are made by their owners on /account/tokens/, where the key is
    shown once; here they are read, and deleting one revokes it (as a revoke on that page
    does: requests made with it are refused from then on; revocations are not recorded
    anywhere). knox's own admin also made and changed tokens, round the owner's page."""

    list_display = ["token_key", "token_name", "user", "created", "expiry"]
    list_select_related = ["user", "claimdesk_name"]
    search_fields = ["token_key", "claimdesk_name__name", "user__username"]
    fields = ["token_key", "token_name", "user", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_deleted_objects(self, objs, request):
        # A token's name goes with it; that the names' admin deletes none alone (a token
        # without its name would still work, unlisted on its owner's page) must not stop it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(ApiTokenName._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    @admin.display(description="name", ordering="claimdesk_name__name")
    def token_name(self, token):
        named = getattr(token, "claimdesk_name", None)
        return named.name if named is not None else "—"


@admin.register(ApiTokenName)
class ApiTokenNameAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Names of personal API tokens, made by their owners on /account/tokens/; revoke a token
    by deleting it under "Auth tokens" (its name goes with it)."""

    list_display = ["name", "token_owner", "token_created", "token_expiry"]
    list_select_related = ["token__user"]
    search_fields = ["name", "token__user__username"]
    fields = ["name", "token_owner", "token_created", "token_expiry"]
    readonly_fields = fields

    @admin.display(description="owner", ordering="token__user__username")
    def token_owner(self, obj):
        return obj.token.user

    @admin.display(description="created", ordering="token__created")
    def token_created(self, obj):
        return obj.token.created

    @admin.display(description="expires", ordering="token__expiry")
    def token_expiry(self, obj):
        return obj.token.expiry


@admin.register(Webhook)
class WebhookAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Leads register, enable, disable and delete webhooks on /lead/webhooks/ (which records
    who did what); here they are read. The secret is not shown: it is on the lead's page."""

    list_display = ["url", "events", "enabled", "created_by", "created_at"]
    list_select_related = ["created_by"]
    list_filter = ["enabled"]
    search_fields = ["url", "description"]
    exclude = ["secret"]


class WebhookAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ["number", "started_at", "duration_ms", "response_status", "error", "retry_at"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["uuid", "webhook", "event", "object_id", "status", "attempts",
                    "response_status", "created_at", "next_attempt_at"]
    list_select_related = ["webhook"]
    list_filter = ["status", "event"]
    search_fields = ["uuid", "webhook__url", "error"]
    raw_id_fields = ["webhook"]
    inlines = [WebhookAttemptInline]


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["delivery", "number", "started_at", "duration_ms", "response_status",
                    "retry_at"]
    list_select_related = ["delivery"]
    list_filter = ["response_status"]
    raw_id_fields = ["delivery"]


@admin.register(WebhookChange)
class WebhookChangeAdmin(LeadsOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["webhook_id", "action", "actor", "at"]
    list_select_related = ["actor"]
    list_filter = ["action"]
    search_fields = ["actor__username"]
