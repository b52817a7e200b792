import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from claims.db import AppendOnlyManager, refuse_delete
from claims.models import Article, ChangeRecord, Claim


class Verdict(models.Model):
    class Label(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CONTESTED = "contested", "Contested"
        UNVERIFIABLE = "unverifiable", "Unverifiable"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts"
    )
    label = models.CharField(max_length=16, choices=Label.choices)
    rationale = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    # Is the attribution right? None = not checked.
    source_correct = models.BooleanField(null=True, blank=True)
    content_correct = models.BooleanField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    # The claim's attribution_version this verdict judged; behind the claim's = out of date.
    claim_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["claim_id", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "reviewer"], name="one_verdict_per_reviewer"),
            models.CheckConstraint(
                condition=models.Q(label__in=["confirmed", "contested", "unverifiable"]),
                name="verdict_label_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "updated_at"]),
            # The verdicts list's keyset order (GET /api/verdicts/, -updated_at, -id), scanned
            # backward: a page is read at the cursor instead of sorting every visible verdict
            # (100,000 verdicts on PostgreSQL: a lead's first page 403 -> 5 ms, page 500 265
            # -> 6 ms; a reviewer's 292 -> 29 ms).
            models.Index(fields=["updated_at", "id"], name="verdict_recent_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_label_display()} by {self.reviewer} on claim {self.claim_id}"


class VerdictRevision(models.Model):
    """Append-only history: one row per saved state of a verdict, the first one included."""

    # PROTECT: no cascade removes history (see claims.db); nothing deletes a verdict.
    verdict = models.ForeignKey(Verdict, on_delete=models.PROTECT, related_name="history")
    revision = models.PositiveIntegerField()
    label = models.CharField(max_length=16, choices=Verdict.Label.choices)
    rationale = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    source_correct = models.BooleanField(null=True, blank=True)
    content_correct = models.BooleanField(null=True, blank=True)
    claim_version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyManager()

    class Meta:
        ordering = ["verdict_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["verdict", "revision"], name="one_row_per_revision"),
        ]

    def __str__(self) -> str:
        return f"Verdict {self.verdict_id} revision {self.revision}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Verdict history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_delete(self)


# --- Assignment: leases on claims and articles assigned to reviewers ------------------------
class Lease(models.Model):
    """A claim handed to a reviewer by /review/next/: it counts against the claim's free review
    slots while active, i.e. not released and not expired (computed from expires_at, so an
    expired lease returns the claim to the pool without any job running)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="leases")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leases"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One unreleased lease per reviewer and claim (an expired one is closed first).
            models.UniqueConstraint(fields=["claim", "reviewer"],
                                    condition=models.Q(released_at__isnull=True),
                                    name="one_open_lease_per_reviewer_and_claim"),
        ]
        indexes = [
            models.Index(fields=["claim", "expires_at"], condition=models.Q(
                released_at__isnull=True), name="lease_open_by_claim"),
            models.Index(fields=["reviewer", "expires_at"], condition=models.Q(
                released_at__isnull=True), name="lease_open_by_reviewer"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id} leased to {self.reviewer}"


class LeaseChange(ChangeRecord):
    """Append-only record of a lease granted, renewed or released (why, in `reason`)."""

    class Action(models.TextChoices):
        GRANT = "grant", "Granted"
        RENEW = "renew", "Renewed"
        RELEASE = "release", "Released"
        EXPIRE = "expire", "Expired"

    lease = models.ForeignKey(Lease, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} lease {self.lease_id}"


class Assignment(models.Model):
    """An article a lead assigned to a named reviewer: /review/next/ hands the reviewer its
    claims first. Unassigning keeps the row (unassigned_at) and its history."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    unassigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "reviewer"],
                                    condition=models.Q(unassigned_at__isnull=True),
                                    name="one_current_assignment_per_reviewer_and_article"),
        ]

    def __str__(self) -> str:
        return f"Article {self.article_id} assigned to {self.reviewer}"


class AssignmentChange(ChangeRecord):
    """Append-only record of an article assigned to or unassigned from a reviewer."""

    class Action(models.TextChoices):
        ASSIGN = "assign", "Assigned"
        UNASSIGN = "unassign", "Unassigned"

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT,
                                   related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} assignment {self.assignment_id}"


class FinalVerdict(models.Model):
    """The desk's answer on a claim: set when its reviewers agree (unanimous) or by a lead
    (adjudicated). One per claim while the claim is final; reopening removes it, and
    FinalVerdictChange keeps every state it had."""

    class Provenance(models.TextChoices):
        UNANIMOUS = "unanimous", "Unanimous"
        ADJUDICATED = "adjudicated", "Adjudicated"

    class Reason(models.TextChoices):
        REVIEWER_ERROR = "reviewer_error", "Reviewer error"
        AMBIGUOUS_EVIDENCE = "ambiguous_evidence", "Ambiguous evidence"
        NEW_EVIDENCE = "new_evidence", "New evidence"
        GUIDELINE_GAP = "guideline_gap", "Guideline gap"

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="final_verdict")
    label = models.CharField(max_length=16, choices=Verdict.Label.choices)
    provenance = models.CharField(max_length=16, choices=Provenance.choices)
    reason_code = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    reason = models.TextField(blank=True)
    # None when the reviewers agreed: no one decided.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField()
    # The claim's attribution_version the verdicts behind this decision judged.
    claim_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(label__in=["confirmed", "contested", "unverifiable"]),
                name="final_verdict_label_valid",
            ),
            # Unanimous: nobody decided, no reason. Adjudicated: a lead and a reason code.
            models.CheckConstraint(
                condition=(
                    models.Q(provenance="unanimous", decided_by__isnull=True, reason_code="")
                    | models.Q(provenance="adjudicated", decided_by__isnull=False,
                               reason_code__in=["reviewer_error", "ambiguous_evidence",
                                                "new_evidence", "guideline_gap"])
                ),
                name="final_verdict_provenance_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_label_display()} ({self.get_provenance_display()}) on claim " \
               f"{self.claim_id}"


class FinalVerdictChange(ChangeRecord):
    """Append-only history of a claim's final verdict: each time it was set or reopened, by
    whom (None: set automatically), its state before and after, and the reason given."""

    class Action(models.TextChoices):
        FINALISE = "finalise", "Final verdict set (unanimous)"
        ADJUDICATE = "adjudicate", "Adjudicated"
        REOPEN = "reopen", "Reopened"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT,
                              related_name="final_verdict_changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason_code = models.CharField(max_length=24, choices=FinalVerdict.Reason.choices,
                                   blank=True)
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} on claim {self.claim_id}"


class ApiTokenName(models.Model):
    """The name a user gave one of their personal API tokens. The token itself is knox's
    AuthToken, which stores only a SHA-512 digest of the key and has no name of its own;
    revoking the token deletes this row with it."""

    MAX_LENGTH = 100

    token = models.OneToOneField(settings.KNOX_TOKEN_MODEL, on_delete=models.CASCADE,
                                 related_name="claimdesk_name")
    name = models.CharField(max_length=MAX_LENGTH)

    class Meta:
        verbose_name = "API token name"

    def __str__(self) -> str:
        return self.name


class Webhook(models.Model):
    """A URL a lead registered to be told of the desk's events (annotations.webhooks): each
    event it subscribes to becomes a WebhookDelivery, POSTed as JSON and signed with `secret`
    (HMAC-SHA256). A disabled webhook gets no new deliveries and its pending ones wait."""

    class Event(models.TextChoices):
        ARTICLE_SEGMENTED = "article.segmented", "Article segmented"
        CLAIM_FINALISED = "claim.finalised", "Claim finalised"
        CLAIM_REOPENED = "claim.reopened", "Claim reopened"

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Event values; a list, not a table: a desk has a handful of webhooks, read whole.
    events = models.JSONField(default=list)
    # Kept readable, not hashed: every delivery is signed with it.
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("annotations:lead-webhook", args=[self.pk])


class WebhookDelivery(models.Model):
    """One event for one webhook: the body, fixed when the event happened, and where its
    sending stands. Attempts are bounded (CLAIMDESK_WEBHOOK_MAX_ATTEMPTS), each logged in
    WebhookAttempt; `next_attempt_at` is when the next is due (None once delivered or given up)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # Sent as X-Claimdesk-Delivery and in the body: receivers drop a delivery seen before.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=32, choices=Webhook.Event.choices)
    # The article or the claim the event is about.
    object_id = models.PositiveBigIntegerField()
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last attempt's answer: its HTTP status (None: no answer) and what went wrong.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The number of the last attempt it may make; None: CLAIMDESK_WEBHOOK_MAX_ATTEMPTS. A lead's
    # resend of a given-up delivery allows one attempt more.
    attempt_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    # The last resend a lead asked for (every one is in WebhookChange).
    resent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    resent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["webhook", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.event} {self.object_id} to webhook {self.webhook_id}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: when, how long, the answer, and when the next is due."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # None: delivered, or the last attempt (given up).
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"],
                                               name="one_row_per_webhook_attempt")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"


class WebhookChange(ChangeRecord):
    """Append-only history of the desk's webhooks: who registered, enabled, disabled, deleted
    one, made it a new secret or resent one of its deliveries (`after` names it), and its
    settings before and after (never the secret). It
    names the webhook by id, not by a foreign key, so it outlives a deleted webhook."""

    class Action(models.TextChoices):
        CREATE = "create", "Registered"
        ENABLE = "enable", "Enabled"
        DISABLE = "disable", "Disabled"
        ROTATE_SECRET = "rotate_secret", "New secret"
        DELETE = "delete", "Deleted"
        RESEND = "resend", "Delivery resent"

    webhook_id = models.PositiveBigIntegerField(db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)

    def __str__(self) -> str:
        return f"{self.get_action_display()} webhook {self.webhook_id}"
