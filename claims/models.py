from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from claims.db import AppendOnlyManager, refuse_delete


class Article(models.Model):
    class Via(models.TextChoices):
        WEB = "web", "Web form"
        UPLOAD = "upload", "File upload"
        API = "api", "REST API"
        IMPORT = "import", "Bulk import"
        ADMIN = "admin", "Admin panel"
        DEMO = "demo", "Demo data"

    class Segmentation(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    title = models.CharField(max_length=500)
    outlet = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    # As received, with line ends normalised to LF; span offsets point into it, so never edited.
    text = models.TextField()
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="submitted_articles",
    )
    submitted_via = models.CharField(max_length=16, choices=Via.choices, default=Via.WEB)
    created_at = models.DateTimeField(auto_now_add=True)
    # Soft delete: a deleted article leaves every page, queue and count but keeps its claims,
    # verdicts and history; see article_delete and claims.selectors.article_is_live.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )

    segmentation_status = models.CharField(
        max_length=16, choices=Segmentation.choices, default=Segmentation.PENDING
    )
    segmentation_queued_at = models.DateTimeField(null=True, blank=True)
    segmentation_started_at = models.DateTimeField(null=True, blank=True)
    segmentation_finished_at = models.DateTimeField(null=True, blank=True)
    segmentation_attempts = models.PositiveIntegerField(default=0)
    segmentation_error = models.TextField(blank=True)
    extractor_version = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Oldest article first (/review/next/'s order across the desk): with the claims'
            # reading-order index, PostgreSQL walks the desk in order and stops at the first
            # claim that qualifies instead of sorting every open claim.
            models.Index(fields=["created_at", "id"], name="article_arrival_order"),
            models.Index(fields=["segmentation_status", "segmentation_queued_at"]),
            models.Index(fields=["outlet"]),
            models.Index(fields=["published_on"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # An article's page is its review screen (a URL name, not an import of annotations).
        return reverse("annotations:article-detail", args=[self.pk])


class Source(models.Model):
    """A speaker entity: many surface forms ("the Mali army", "Mali's army") point at one."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        GOVERNMENT = "government", "Government or official body"
        MILITARY = "military", "Military"
        ARMED_GROUP = "armed_group", "Armed group"
        MEDIA = "media", "Media"
        DOCUMENT = "document", "Document or data"
        ANONYMOUS = "anonymous", "Anonymous"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300)
    # The merge key: see claims.sources.normalise_source_name.
    normalized_name = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceAlias(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=300)
    normalized_alias = models.CharField(max_length=300, unique=True)

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "source aliases"

    def __str__(self) -> str:
        return self.alias


class ChangeRecord(models.Model):
    """An append-only record of a change a person made: who, when, what before and after.
    Subclasses add what was changed and their Action choices, and a migration applying
    claims.db.AppendOnly to their table. Rows are never updated or deleted (see claims.db): a
    user who acted cannot be deleted (deactivate them instead), nor can what a row is about
    be deleted by a cascade."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyManager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name_plural.capitalize()} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_delete(self)


class SourceChange(ChangeRecord):
    """Append-only record of a change a person made to a source entity: who, when, before,
    after (the changed fields only; for an alias added or removed, the entity's aliases)."""

    class Action(models.TextChoices):
        RENAME = "rename", "Renamed"
        SET_KIND = "set_kind", "Kind changed"
        MERGE = "merge", "Merged another entity in"
        ALIAS_ADD = "alias_add", "Alias added"
        ALIAS_REMOVE = "alias_remove", "Alias removed"

    # A merge deletes the entity merged away; its history stays, still naming its id (hence
    # no database constraint: the row outlives the entity).
    source = models.ForeignKey(Source, on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)

    def __str__(self) -> str:
        return f"{self.get_action_display()} on source {self.source_id}"



class Claim(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct quote"
        INDIRECT = "indirect", "Indirect"
        ACCORDING_TO = "according_to", "According to"
        OTHER = "other", "Other"

    class Origin(models.TextChoices):
        MACHINE = "machine", "Extractor"
        REVIEWER = "reviewer", "Reviewer"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FINAL = "final", "Final"
        REJECTED = "rejected", "Rejected: not a claim"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MACHINE)
    confidence = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    source_anonymous = models.BooleanField(default=False)
    # Bumped by every write; a form carries the version it saw, so stale saves are refused.
    version = models.PositiveIntegerField(default=1)
    # Bumped only when what the claim says changes: its source, cue or content spans, or its
    # source entity set to another speaker (not a merge: same speaker, one name). A verdict
    # records the one it judged; a verdict on an earlier one is out of date.
    attribution_version = models.PositiveIntegerField(default=1)
    # Where the claim starts in the text (its first span's start): claims are listed, numbered
    # and queued in reading order, which survives re-segmentation (ids do not).
    position = models.PositiveIntegerField(default=0)
    extractor_version = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="created_claims",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a reviewer changes anything: re-segmentation then leaves the claim alone.
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article_id", "position", "id"]
        indexes = [models.Index(fields=["article", "position", "id"], name="claim_reading_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="claim_confidence_in_unit_interval",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            models.CheckConstraint(condition=Q(attribution_version__gte=1),
                                   name="claim_attribution_version_positive"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk} in article {self.article_id}"

    def get_absolute_url(self) -> str:
        return reverse("annotations:article-detail", args=[self.article_id]) + f"?claim={self.pk}"


class Span(models.Model):
    """One [start, end) character range of a claim's source, cue or content."""

    class Role(models.TextChoices):
        SOURCE = "source", "Source"
        CUE = "cue", "Cue"
        CONTENT = "content", "Content"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="spans")
    role = models.CharField(max_length=8, choices=Role.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["claim_id", "role", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="span_start_not_negative"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="span_start_before_end"),
            models.CheckConstraint(
                condition=Q(role__in=["source", "cue", "content"]), name="span_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} [{self.start}, {self.end})"


class ClaimChange(ChangeRecord):
    """Append-only record of a change a person made to a claim: who, when, before, after."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        EDIT_SPANS = "edit_spans", "Spans edited"
        SET_SOURCE = "set_source", "Source entity changed"
        REJECT = "reject", "Rejected"
        RESTORE = "restore", "Restored"
        FINALISE = "finalise", "Final verdict set"
        REOPEN = "reopen", "Reopened"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)

    def __str__(self) -> str:
        return f"{self.get_action_display()} on claim {self.claim_id}"


class ArticleChange(ChangeRecord):
    """Append-only record of an article deleted, restored or its details (title, outlet, URL,
    published date, language) edited: who, when, why; an edit's before and after hold the
    fields it changed."""

    class Action(models.TextChoices):
        DELETE = "delete", "Deleted"
        RESTORE = "restore", "Restored"
        EDIT = "edit", "Details edited"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} article {self.article_id}"


class RoleChange(ChangeRecord):
    """Append-only record of a change to a user's roles: before and after hold
    {"roles": [...]}, sorted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="role_changes")
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Roles of user {self.user_id} changed"


# The share of the desk's fully reviewed articles a training run holds out, unless asked for
# another (the extractor page's Train now always takes this one).
DEFAULT_HOLDOUT = 0.2


class TrainedExtractor(models.Model):
    """One training run of the extractor's learned model on the desk's reviewed claims: its
    progress, the figures on the held-out articles beside the rules' (and the then-active
    model's), and whether it is the model segmentation uses now (at most one is active; none:
    the rules alone). The model's files are in CLAIMDESK_MODEL_DIR / directory."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Asked for when queued: the fraction of reviewed articles held out, and whether a lead
    # wants the model activated whatever its figures.
    holdout = models.FloatField(default=DEFAULT_HOLDOUT)
    force = models.BooleanField(default=False)

    training_articles = models.PositiveIntegerField(default=0)
    training_attributions = models.PositiveIntegerField(default=0)
    heldout_articles = models.PositiveIntegerField(default=0)
    heldout_attributions = models.PositiveIntegerField(default=0)
    # On the held-out articles: the new model, the rules alone, and the model active when it
    # was trained (the rules when none was); 0..1.
    learned_precision = models.FloatField(null=True, blank=True)
    learned_recall = models.FloatField(null=True, blank=True)
    learned_f1 = models.FloatField(null=True, blank=True)
    rules_precision = models.FloatField(null=True, blank=True)
    rules_recall = models.FloatField(null=True, blank=True)
    rules_f1 = models.FloatField(null=True, blank=True)
    baseline_precision = models.FloatField(null=True, blank=True)
    baseline_recall = models.FloatField(null=True, blank=True)
    baseline_f1 = models.FloatField(null=True, blank=True)
    baseline_version = models.CharField(max_length=100, blank=True)

    digest = models.CharField(max_length=64, blank=True)
    directory = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=100, blank=True)  # the extractor_version it gives
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # Activated although it did not beat the model (or the rules) it replaced.
    forced = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True),
                                    name="one_active_trained_extractor"),
            models.CheckConstraint(condition=Q(progress__lte=100),
                                   name="trained_extractor_progress_percent"),
            models.CheckConstraint(condition=Q(holdout__gt=0, holdout__lt=1),
                                   name="trained_extractor_holdout_fraction"),
        ]

    def __str__(self) -> str:
        return f"Trained extractor {self.pk} ({self.get_status_display()})"
