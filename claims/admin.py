from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from claims import access, services
from claims.changes import claim_change_summary
from claims.forms import ArticleSubmitForm
from claims.models import (
    Article,
    ArticleChange,
    Claim,
    ClaimChange,
    RoleChange,
    Source,
    SourceAlias,
    SourceChange,
    Span,
    TrainedExtractor,
)
from claims.selectors import (
    claim_change_source_names,
    claim_changes_with_source_names,
    claim_stands,
    claim_texts_covered,
    claims_prefetch_covered_texts,
    count_per_article,
)


class ReadOnlyAdminMixin:
    """For append-only records: visible, never editable or deletable from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteAdminMixin:
    """Rows the admin never deletes (history refers to them): no delete button or action, and
    the delete page, if reached by its URL, says why and what to do instead."""

    delete_refused = "This cannot be deleted in the admin."

    def has_delete_permission(self, request, obj=None):
        return False

    def delete_view(self, request, object_id, extra_context=None):
        self.message_user(request, self.delete_refused, level=messages.WARNING)
        opts = self.opts
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", object_id)


def _names(objects, shown: int = 10) -> str:
    names = [str(obj) for obj in objects[:shown]]
    more = len(objects) - shown
    return "; ".join(names) + (f"; and {more} more" if more > 0 else "")


def admin_apply_each(modeladmin, request, objects, apply, *, done: str,
                     unchanged: str = "Left {n} as they were") -> None:
    """Run a service on each object of an admin action on its own, each in its own transaction:
    a refusal (the service's ValidationError) leaves that object as it was and the others go
    on. `apply(obj)` calls the service and says whether it changed anything. The messages count
    what changed (`done`), what was left as it was (`unchanged`) and what was refused, with
    the service's reason; `done` and `unchanged` take {n}."""
    changed, left, refused = 0, [], []
    for obj in objects:
        try:
            with transaction.atomic():
                if apply(obj):
                    changed += 1
                else:
                    left.append(obj)
        except ValidationError as refusal:
            refused.append(f"{obj}: {' '.join(refusal.messages)}")
    if changed or not (left or refused):
        modeladmin.message_user(request, done.format(n=changed), level=messages.SUCCESS)
    if left:
        modeladmin.message_user(request, f"{unchanged.format(n=len(left))}: {_names(left)}",
                                level=messages.INFO)
    if refused:
        modeladmin.message_user(request, f"Refused {len(refused)}, left as they were: "
                                + _names(refused), level=messages.WARNING)


class ArticleAddForm(forms.ModelForm):
    # as on the submit form: left empty, article_create takes the text's first line
    title = ArticleSubmitForm.base_fields["title"]

    class Meta:
        model = Article
        fields = ["title", "outlet", "url", "published_on", "language", "text"]

    def clean_text(self):
        # The same checks as a paste into the submit form (invalid UTF-8 included).
        return services.article_text_from_paste(self.cleaned_data["text"])


class ArticleChangeForm(forms.ModelForm):
    """An existing article's details, refused here (as field errors, before anything is
    saved) exactly when services.article_update would refuse them."""

    class Meta:
        model = Article
        fields = list(services.ARTICLE_METADATA)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.article_metadata_clean(
                    **{name: cleaned.get(name) for name in services.ARTICLE_METADATA},
                    text=lambda: self.instance.text)
            except ValidationError as refused:
                self.add_error(None, refused)
        return cleaned


class ParentLoadedInlineFormSet(BaseInlineFormSet):
    """Each row gets the parent object the page already loaded, so reading the article text
    for a row's span texts costs no query (and no extra copy of the text) per row."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        setattr(form.instance, self.fk.name, self.instance)
        return form


class ClaimInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Claim
    formset = ParentLoadedInlineFormSet
    extra = 0
    show_change_link = True
    fields = ["source_text", "cue_text", "content_text", "source", "kind", "origin", "status",
              "verdict_count"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("source")
                .prefetch_related(claims_prefetch_covered_texts())
                .annotate(n_verdicts=Count("verdicts")))

    @admin.display(description="Source as written")
    def source_text(self, claim):
        return claim_texts_covered(claim)["source"] or "—"

    @admin.display(description="Cue")
    def cue_text(self, claim):
        return claim_texts_covered(claim)["cue"]

    @admin.display(description="Content")
    def content_text(self, claim):
        return claim_texts_covered(claim)["content"]

    @admin.display(description="Verdicts")
    def verdict_count(self, claim):
        return claim.n_verdicts


class ArticleChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ArticleChange
    extra = 0
    fields = ["at", "actor", "action", "before", "after", "reason"]
    readonly_fields = fields
    verbose_name_plural = "history: edits, deletions and restorations"


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted (kept, hidden from reviewers)")]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published_on", "segmentation_status", "claim_count",
                    "submitted_via", "created_at", "deleted_at"]
    list_filter = [DeletedFilter, "segmentation_status", "submitted_via", "language", "outlet",
                   "published_on"]
    search_fields = ["title", "outlet", "url"]
    date_hierarchy = "created_at"
    raw_id_fields = ["submitted_by"]
    inlines = [ClaimInline, ArticleChangeInline]
    actions = ["requeue_segmentation", "soft_delete", "restore"]
    readonly_fields = ["text", "content_hash", "submitted_by", "submitted_via", "created_at",
                       "segmentation_status", "segmentation_queued_at", "segmentation_started_at",
                       "segmentation_finished_at", "segmentation_attempts", "segmentation_error",
                       "extractor_version", "deleted_at", "deleted_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the "Delete (keeps history)" action instead

    def has_soft_delete_permission(self, request):
        return access.can_delete_articles(request.user)

    @admin.action(description="Delete (hidden from reviewers; claims, verdicts and history "
                              "kept)", permissions=["soft_delete"])
    def soft_delete(self, request, queryset):
        def delete(article) -> bool:
            return services.article_delete(article=article, actor=request.user).deleted_at \
                != article.deleted_at

        admin_apply_each(self, request, queryset.defer("text"), delete,
                         done="Deleted {n} article(s); restore brings them back.",
                         unchanged="Left {n} already deleted as they were")

    @admin.action(description="Restore deleted articles", permissions=["soft_delete"])
    def restore(self, request, queryset):
        def restore(article) -> bool:
            return services.article_restore(article=article, actor=request.user).deleted_at \
                != article.deleted_at

        admin_apply_each(self, request, queryset.defer("text"), restore,
                         done="Restored {n} article(s).",
                         unchanged="Left {n} that were not deleted as they were")

    def get_queryset(self, request):
        claims = Claim.objects.filter(claim_stands(), article=OuterRef("pk"))
        return super().get_queryset(request).defer("text").annotate(
            n_claims=count_per_article(claims))

    @admin.display(description="Claims (not rejected)", ordering="n_claims")
    def claim_count(self, article):
        return article.n_claims

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ArticleAddForm if obj is None else ArticleChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The text is only typed in on creation: span offsets point into it afterwards.
        return self.readonly_fields if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:  # the details only (the rest is read-only here), recorded by the service
            services.article_update(
                article=obj, actor=request.user,
                **{name: form.cleaned_data[name] for name in services.ARTICLE_METADATA})
            return None
        result = services.article_create(
            submitted_by=request.user, submitted_via=Article.Via.ADMIN, **form.cleaned_data
        )
        # The admin goes on to log and redirect with this object.
        obj.pk = result.article.pk
        obj.__dict__.update(result.article.__dict__)
        if not result.created:
            messages.info(request, "This text was already stored; showing the existing article.")

    def has_requeue_permission(self, request):
        return access.can_requeue_segmentation(request.user)

    @admin.action(description="Re-queue segmentation (reviewers' claims are kept)",
                  permissions=["requeue"])
    def requeue_segmentation(self, request, queryset):
        def queue(article) -> bool:
            services.article_segmentation_queue(article=article)
            return True  # or refused: already pending or running

        admin_apply_each(self, request, queryset.defer("text"), queue,
                         done="Queued {n} article(s) for segmentation.")


class SourceAddForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["name", "kind", "description"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        try:
            services.source_name_check(name)
        except services.SourceNameTaken as taken:
            url = reverse("admin:claims_source_change", args=[taken.source.pk])
            raise ValidationError(format_html(
                "“{}” is already the source entity <a href=\"{}\">{}</a> (its name or an "
                "alias): add to that one, or choose another name.",
                name.strip(), url, taken.source.name)) from None
        return name


class SourceAliasForm(forms.ModelForm):
    """An alias, refused here (as a form error, before anything is saved) exactly when
    services.source_alias_add would refuse it."""

    class Meta:
        model = SourceAlias
        fields = ["source", "alias"]

    def clean(self):
        cleaned = super().clean()
        source, alias = cleaned.get("source"), cleaned.get("alias")
        if source is not None and alias:
            try:
                services.source_alias_check(source=source, alias=alias)
            except ValidationError as refused:
                self.add_error("alias", refused)
        return cleaned


class SourceAliasInline(admin.TabularInline):
    model = SourceAlias
    form = SourceAliasForm
    extra = 1
    fields = ["alias"]

    def has_change_permission(self, request, obj=None):
        return False  # an alias is added or deleted, never rewritten


RENAME_HELP = ("Renaming an entity is done by leads on the review page, which keeps its "
               "history; here, add the other names it goes by as aliases below.")
MERGE_HELP = ("Two entities that are one speaker are merged by a lead on the review page: on "
              "a claim of one, name the other as its source entity and press “Merge … into "
              "it”. Every claim moves and the merge is recorded in both entities' history.")


@admin.register(Source)
class SourceAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    delete_refused = ("Source entities are not deleted: claims and their history refer to "
                      "them. " + MERGE_HELP)
    list_display = ["name", "kind", "normalized_name", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "normalized_name", "aliases__alias"]
    readonly_fields = ["normalized_name"]
    inlines = [SourceAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_claims=Count("claims"))

    @admin.display(description="Claims", ordering="n_claims")
    def claim_count(self, source):
        return source.n_claims

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SourceAddForm
        else:
            kwargs["help_texts"] = {"name": f"{RENAME_HELP} {MERGE_HELP}"}
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The name is the entity's merge key: it changes only through a service.
        return ["name", *self.readonly_fields] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:  # kind and description only: the name is read-only here
            services.source_update(source=obj, name=obj.name, kind=form.cleaned_data["kind"],
                                   description=form.cleaned_data.get("description", ""),
                                   actor=request.user)
            return None
        source = services.source_create(**form.cleaned_data)
        # The admin goes on to save the aliases, log and redirect with this object.
        obj.pk = source.pk
        obj.__dict__.update(source.__dict__)

    def save_formset(self, request, form, formset, change):
        # Each alias row was checked by SourceAliasForm; the services check again, locked, and
        # record each alias added or removed in the entity's history.
        for alias in formset.save(commit=False):  # also collects deletions
            services.source_alias_add(source=form.instance, alias=alias.alias,
                                      actor=request.user)
        for deleted in formset.deleted_objects:
            services.source_alias_remove(alias=deleted, actor=request.user)


@admin.register(SourceAlias)
class SourceAliasAdmin(admin.ModelAdmin):
    form = SourceAliasForm
    list_display = ["alias", "source", "normalized_alias"]
    search_fields = ["alias", "normalized_alias", "source__name"]
    list_select_related = ["source"]
    autocomplete_fields = ["source"]
    readonly_fields = ["normalized_alias"]

    def has_change_permission(self, request, obj=None):
        return False  # an alias is added or deleted, never rewritten

    def save_model(self, request, obj, form, change):
        alias = services.source_alias_add(source=form.cleaned_data["source"],
                                          alias=form.cleaned_data["alias"], actor=request.user)
        obj.pk = alias.pk
        obj.__dict__.update(alias.__dict__)

    def delete_model(self, request, obj):
        services.source_alias_remove(alias=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # Django's "delete selected" action: one recorded removal per alias.
        for alias in queryset:
            services.source_alias_remove(alias=alias, actor=request.user)


class SpanInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Spans are written only by the claim services, which version and record each change."""

    model = Span
    formset = ParentLoadedInlineFormSet
    extra = 0
    fields = ["role", "start", "end", "text"]
    readonly_fields = fields

    @admin.display(description="Text")
    def text(self, span):
        return span.claim.article.text[span.start:span.end]


def _cut(text: str, length: int = 80) -> str:
    return Truncator(text).chars(length)


class ClaimChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClaimChange
    formset = ParentLoadedInlineFormSet
    extra = 0
    fields = ["at", "actor", "action", "what_changed"]
    readonly_fields = fields

    def get_queryset(self, request):
        return claim_changes_with_source_names(
            super().get_queryset(request).select_related("actor"))

    @admin.display(description="What changed")
    def what_changed(self, change):
        return claim_change_summary(change, change.claim.article.text,
                                    source_names=claim_change_source_names(change))


class SourceKindFilter(admin.ChoicesFieldListFilter):
    """Claim.kind is also a "kind": this one says whose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "source entity kind"


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "article", "source", "cue_text", "content_text", "kind", "origin",
                    "status", "confidence", "created_at"]
    list_filter = ["status", "kind", "origin", ("source__kind", SourceKindFilter)]
    search_fields = ["article__title", "source__name"]
    list_select_related = ["article", "source"]
    raw_id_fields = ["article", "created_by"]
    autocomplete_fields = ["source"]
    readonly_fields = ["origin", "confidence", "version", "attribution_version",
                       "extractor_version", "created_at", "edited_at", "created_by"]
    inlines = [SpanInline, ClaimChangeInline]
    actions = ["reject_claims", "restore_claims"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("article__text").prefetch_related(
            claims_prefetch_covered_texts(roles=["cue", "content"]))

    def has_add_permission(self, request):
        return False  # claims come from the extractor or the review page, with their spans

    def has_change_permission(self, request, obj=None):
        # A claim's source, spans and status change through the services, which version the
        # claim (putting verdicts on other words out of date) and record who changed what.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a claim is rejected ("not a claim"), never deleted: it keeps its history

    def has_edit_claims_permission(self, request):
        return access.can_edit_claims(request.user)

    @admin.action(description="Reject: not a claim (verdicts are kept)",
                  permissions=["edit_claims"])
    def reject_claims(self, request, queryset):
        # Every change to a claim bumps its version (claims.services.claims._claim_record).
        def reject(claim) -> bool:
            return services.claim_reject(claim=claim, actor=request.user,
                                         expected_version=None).version != claim.version

        admin_apply_each(self, request, queryset, reject,
                         done="Rejected {n} claim(s) as not a claim.",
                         unchanged="Left {n} already rejected as they were")

    @admin.action(description="Restore rejected claims", permissions=["edit_claims"])
    def restore_claims(self, request, queryset):
        def restore(claim) -> bool:
            return services.claim_restore(claim=claim, actor=request.user,
                                          expected_version=None).version != claim.version

        admin_apply_each(self, request, queryset, restore,
                         done="Restored {n} claim(s) that were rejected.",
                         unchanged="Left {n} that were not rejected as they were")

    @admin.display(description="Cue")
    def cue_text(self, claim):
        return _cut(claim_texts_covered(claim)["cue"], 40)

    @admin.display(description="Content")
    def content_text(self, claim):
        return _cut(claim_texts_covered(claim)["content"])


@admin.register(Span)
class SpanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: spans are written with their claim, checked against the article text, and
    changed only by the claim services (reviewers fix them on the review page), which version
    the claim and record each change in ClaimChange."""

    list_display = ["id", "claim", "role", "start", "end"]
    list_filter = ["role"]
    raw_id_fields = ["claim"]


@admin.register(ClaimChange)
class ClaimChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "claim", "actor", "action", "what_changed"]
    list_filter = ["action"]
    search_fields = ["claim__id", "actor__username"]
    list_select_related = ["claim", "actor"]
    fields = ["claim", "actor", "action", "at", "what_changed", "before", "after"]
    readonly_fields = fields

    def get_queryset(self, request):
        # Each article's text is read once however many of its claims' changes a page lists.
        return claim_changes_with_source_names(
            super().get_queryset(request).prefetch_related("claim__article"))

    @admin.display(description="What changed")
    def what_changed(self, change):
        return _cut(claim_change_summary(change, change.claim.article.text,
                                         source_names=claim_change_source_names(change)), 200)


@admin.register(SourceChange)
class SourceChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "source_name", "actor", "action", "before", "after"]
    list_filter = ["action"]
    search_fields = ["source__name", "actor__username"]
    list_select_related = ["actor"]
    fields = ["source", "actor", "action", "at", "before", "after"]
    readonly_fields = fields

    def get_queryset(self, request):
        # Not a join: the history of an entity merged away outlives it.
        names = Source.objects.filter(pk=OuterRef("source_id")).values("name")[:1]
        return super().get_queryset(request).annotate(source_current_name=Subquery(names))

    @admin.display(description="Source entity")
    def source_name(self, change):
        return change.source_current_name or f"#{change.source_id} (merged away)"


@admin.register(ArticleChange)
class ArticleChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "article", "actor", "action", "reason"]
    list_filter = ["action"]
    search_fields = ["article__title", "actor__username", "reason"]
    list_select_related = ["article", "actor"]
    fields = ["article", "actor", "action", "at", "reason", "before", "after"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("article__text")


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "actor", "roles_before", "roles_after", "reason"]
    search_fields = ["user__username", "actor__username", "reason"]
    list_select_related = ["user", "actor"]
    fields = ["user", "actor", "at", "roles_before", "roles_after", "reason"]
    readonly_fields = fields

    @admin.display(description="Roles before")
    def roles_before(self, change):
        return _roles_text(change.before)

    @admin.display(description="Roles after")
    def roles_after(self, change):
        return _roles_text(change.after)


# The user's flags that are part of their role (a superuser counts as a lead, an inactive
# account has none): user_roles_set records them with the roles.
ROLE_FLAGS = ("is_staff", "is_superuser", "is_active")


def _roles_text(side: dict) -> str:
    """A recorded side of a role change: its roles, and the admin and active flags when they
    changed."""
    parts = [", ".join(side.get("roles", [])) or "no role"]
    parts += [f"{flag.removeprefix('is_')}: {'yes' if side[flag] else 'no'}"
              for flag in ROLE_FLAGS if flag in side]
    return "; ".join(parts)


# --- Users: roles change through services.user_roles_set, which records them ------------------
class RoleChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RoleChange
    fk_name = "user"
    extra = 0
    fields = ["at", "actor", "roles_before", "roles_after", "reason"]
    readonly_fields = fields
    verbose_name_plural = "role history"
    roles_before = RoleChangeAdmin.roles_before
    roles_after = RoleChangeAdmin.roles_after

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class UserRolesForm(UserAdmin.form):
    roles = forms.MultipleChoiceField(
        choices=[(role, role.capitalize()) for role in access.ROLES], required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reviewers tag claims and fix extraction; leads also assign, adjudicate and "
                  "see every verdict. A superuser counts as a lead.")
    role_reason = forms.CharField(required=False, label="Reason for a role change",
                                  widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["roles"].initial = sorted(
                self.instance.groups.filter(name__in=access.ROLES)
                .values_list("name", flat=True))


def _without_groups(fieldsets):
    """Django's fieldsets with `groups` replaced by the roles (saved through the service, so
    every change is recorded); groups that are not roles are left as they are."""
    replaced = []
    for name, options in fieldsets:
        fields = []
        for field in options["fields"]:
            fields.extend(["roles", "role_reason"] if field == "groups" else [field])
        replaced.append((name, {**options, "fields": tuple(fields)}))
    return tuple(replaced)


User = get_user_model()
admin.site.unregister(User)



@admin.register(User)
class DeskUserAdmin(NoDeleteAdminMixin, UserAdmin):
    form = UserRolesForm
    fieldsets = _without_groups(UserAdmin.fieldsets)
    inlines = [RoleChangeInline]
    actions = ["deactivate"]
    delete_refused = (
        "Users are not deleted: their verdicts, claims and every history name them. "
        "Deactivate the account instead: untick “Active” on this page and save, or use the "
        "“Deactivate” action on the user list. Either is recorded in the role history and "
        "can be undone.")

    def save_model(self, request, obj, form, change):
        # The admin and active flags are part of a user's role (a superuser counts as a lead,
        # an inactive account has none): user_roles_set saves them in save_related, which
        # records the change, not here.
        if change and set(ROLE_FLAGS) & set(form.changed_data):
            stored = type(obj).objects.filter(pk=obj.pk).values(*ROLE_FLAGS).get()
            for flag in ROLE_FLAGS:
                setattr(obj, flag, stored[flag])
        super().save_model(request, obj, form, change)

    @admin.action(description="Deactivate (cannot sign in; kept with their history)",
                  permissions=["change"])
    def deactivate(self, request, queryset):
        def deactivate(user) -> bool:
            return services.user_deactivate(user=user, actor=request.user,
                                            reason="Deactivated in the admin") is not None

        admin_apply_each(self, request, queryset, deactivate,
                         done="Deactivated {n} user(s); tick “Active” on a user's page to "
                              "bring one back.",
                         unchanged="Left {n} already inactive as they were")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data:
            services.user_roles_set(
                user=form.instance, roles=form.cleaned_data["roles"], actor=request.user,
                reason=form.cleaned_data.get("role_reason", ""),
                **{flag: form.cleaned_data.get(flag) for flag in ROLE_FLAGS})


ROLE_GROUP_KEPT = ("“{}” is a role: its group is neither deleted nor renamed here. Give or take "
                   "the role on each user's page (Users → roles), which records the change in "
                   "the user's role history.")

admin.site.unregister(Group)


@admin.register(Group)
class DeskGroupAdmin(GroupAdmin):
    """Roles are the groups named in claims.access.ROLES (created by a migration). Deleting or
    renaming one would take the role from all its members with no RoleChange recorded, so
    role groups are kept; other groups are Django's as usual."""

    actions = ["delete_selected"]  # this class's, in place of the site-wide one

    def _is_role(self, group) -> bool:
        return group is not None and group.name in access.ROLES

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return ["name", *readonly] if self._is_role(obj) else readonly

    def has_delete_permission(self, request, obj=None):
        return not self._is_role(obj) and super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        group = self.get_object(request, unquote(object_id))
        if self._is_role(group):
            self.message_user(request, ROLE_GROUP_KEPT.format(group.name), level=messages.WARNING)
            return redirect("admin:auth_group_change", group.pk)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="Delete selected groups (roles are kept)", permissions=["delete"])
    def delete_selected(self, request, queryset):
        for group in queryset.filter(name__in=access.ROLES):
            self.message_user(request, ROLE_GROUP_KEPT.format(group.name), level=messages.WARNING)
        others = queryset.exclude(name__in=access.ROLES)
        if others.exists():  # Django's confirmation page, then its deletion, for the others
            return admin_actions.delete_selected(self, request, others)
        return None


@admin.register(TrainedExtractor)
class TrainedExtractorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Training runs, read only: leads train and activate on /lead/extractor/."""

    list_display = ["id", "status", "created_at", "created_by", "training_articles",
                    "learned_f1", "rules_f1", "baseline_f1", "active", "forced"]
    list_filter = ["status", "active"]
    list_select_related = ["created_by"]
    readonly_fields = [field.name for field in TrainedExtractor._meta.fields]
