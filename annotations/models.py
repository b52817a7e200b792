from django.conf import settings
from django.db import models

from claims.models import Claim


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
        indexes = [models.Index(fields=["reviewer", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.get_label_display()} by {self.reviewer} on claim {self.claim_id}"


class VerdictRevision(models.Model):
    """Append-only history: one row per saved state of a verdict, the first one included."""

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="history")
    revision = models.PositiveIntegerField()
    label = models.CharField(max_length=16, choices=Verdict.Label.choices)
    rationale = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    source_correct = models.BooleanField(null=True, blank=True)
    content_correct = models.BooleanField(null=True, blank=True)
    claim_version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

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
