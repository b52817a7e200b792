"""Addresses of the desk's pages as the outside world reaches them (CLAIMDESK_PUBLIC_BASE_URL),
for what leaves the desk: exports (ClaimReview) and webhook payloads."""

from django.conf import settings
from django.urls import reverse


def public_url(path: str) -> str:
    return settings.CLAIMDESK_PUBLIC_BASE_URL.rstrip("/") + path


def claim_public_url(claim_id: int, article_id: int) -> str:
    """The claim on its article's page."""
    path = reverse("annotations:article-detail", args=[article_id])
    return public_url(f"{path}?claim={claim_id}#claim-{claim_id}")
