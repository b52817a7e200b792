from django.contrib import admin

from annotations.models import Verdict, VerdictRevision
from claims.admin import ReadOnlyAdminMixin


class VerdictRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VerdictRevision
    extra = 0
    fields = ["revision", "label", "rationale", "evidence_links", "source_correct",
              "content_correct", "recorded_by", "recorded_at"]
    readonly_fields = fields


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    """Verdicts are written by reviewers through the review screen; here they are read."""

    list_display = ["claim", "reviewer", "label", "revision", "updated_at"]
    list_filter = ["label", "source_correct", "content_correct", "updated_at"]
    search_fields = ["reviewer__username", "rationale", "claim__article__title"]
    list_select_related = ["reviewer", "claim"]
    raw_id_fields = ["claim", "reviewer"]
    readonly_fields = ["claim", "reviewer", "label", "rationale", "evidence_links",
                       "source_correct", "content_correct", "revision", "created_at",
                       "updated_at"]
    inlines = [VerdictRevisionInline]

    def has_add_permission(self, request):
        return False


@admin.register(VerdictRevision)
class VerdictRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["verdict", "revision", "label", "recorded_by", "recorded_at"]
    list_select_related = ["verdict__reviewer", "recorded_by"]  # Verdict.__str__ names them
    list_filter = ["label"]
    search_fields = ["recorded_by__username", "rationale"]
