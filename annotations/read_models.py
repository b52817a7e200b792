"""Typed read models of the review screens, built by annotations.selectors.

Pages (and later serializers and streaming exports) read these instead of attributes bolted
onto model instances: what a template may use is written down here, and a selector fills it.
"""

from dataclasses import dataclass
from datetime import datetime

from claims.models import Claim, Source
from claims.selectors import SpanRow

PREVIEW_CHARS = 120


@dataclass(frozen=True, slots=True)
class ClaimForReview:
    """One claim as a reviewer sees it: what it says, where, and where the reviewer stands."""

    id: int
    article_id: int
    article_url: str  # the article's page (reversed once per list, not once per row)
    number: int  # 1-based, in reading order among the article's claims
    position: int  # where the claim starts in the text: with id, its place in reading order
    kind: str
    status: str
    origin: str
    confidence: float | None
    version: int
    attribution_version: int
    source_id: int | None
    source_name: str
    source_kind: str
    span_rows: tuple[SpanRow, ...]
    source_text: str
    cue_text: str
    content_text: str
    # The reviewer's own verdict, if any, and the review rules' answers for this reviewer.
    my_label: str | None
    my_revision: int
    my_claim_version: int | None
    reviewable: bool
    reviewed_by_me: bool
    # Exactly-N review lets the reviewer save a verdict on it (selectors.takes_verdict_from),
    # and it has the verdicts it needs (selectors.verdicts_complete).
    takes_my_verdict: bool
    verdicts_complete: bool

    @property
    def pk(self) -> int:
        return self.id

    @property
    def kind_label(self) -> str:
        return Claim.Kind(self.kind).label

    @property
    def status_label(self) -> str:
        return Claim.Status(self.status).label

    @property
    def source_kind_label(self) -> str:
        return Source.Kind(self.source_kind).label if self.source_kind else ""

    @property
    def rejected(self) -> bool:
        return self.status == Claim.Status.REJECTED

    @property
    def my_verdict_outdated(self) -> bool:
        """The reviewer judged an earlier version of this claim's source, cue or content."""
        return self.my_label is not None and self.my_claim_version != self.attribution_version

    @property
    def waiting_for_me(self) -> bool:
        return self.reviewable and not self.reviewed_by_me

    @property
    def preview(self) -> str:
        text = self.content_text
        if len(text) <= PREVIEW_CHARS:
            return text
        return text[: PREVIEW_CHARS - 1].rstrip() + "…"

    @property
    def badge(self) -> str:
        """The list row's badge: the reviewer's current label, else what is left to do."""
        if self.rejected:
            return "rejected"
        if self.reviewed_by_me:
            return self.my_label or ""
        if self.reviewable and not self.takes_my_verdict:
            # The verdict service would refuse one more verdict: nothing left to do here.
            return "adjudication" if self.verdicts_complete else "reserved"
        if self.my_verdict_outdated:
            return "outdated"
        return "todo" if self.reviewable else "none"

    @property
    def cursor(self) -> str:
        """Its place in reading order as a list page's `list_after`/`list_before` value."""
        return f"{self.position}.{self.id}"

    def get_absolute_url(self) -> str:
        return f"{self.article_url}?claim={self.id}"  # as Claim.get_absolute_url


@dataclass(frozen=True, slots=True)
class ClaimListPage:
    """One page of the article's claim list, in reading order, and the claims just outside it
    (None at either end of the article): the earlier/later links start from those."""

    claims: list[ClaimForReview]
    earlier: int | None  # id of the claim just before the page
    later: int | None  # id of the claim just after it
    total: int  # the article's claims, rejected ones included

    @property
    def first(self) -> ClaimForReview | None:
        return self.claims[0] if self.claims else None

    @property
    def last(self) -> ClaimForReview | None:
        return self.claims[-1] if self.claims else None


@dataclass(frozen=True, slots=True)
class ReviewProgress:
    """An article's review progress for one reviewer, as every screen shows it."""

    claims: int  # claims that stand (not rejected)
    reviewable: int  # open claims: they take verdicts
    mine: int  # reviewable claims with the reviewer's current verdict

    @property
    def waiting(self) -> int:
        return self.reviewable - self.mine


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One recorded change of a claim, in words."""

    at: datetime
    actor: str
    action: str
    summary: str  # e.g. 'content: “old words” → “new words”'


@dataclass(frozen=True, slots=True)
class ColleagueVerdict:
    """Another reviewer's verdict on a claim, as blind review lets the viewer see it."""

    reviewer: str  # a username for leads; "Reviewer A", "Reviewer B"... for reviewers
    label: str
    rationale: str
    evidence_links: tuple[str, ...]
    source_correct: bool | None
    content_correct: bool | None
    current: bool  # judged the claim's current source, cue and content
    updated_at: datetime

    @property
    def label_display(self) -> str:
        from annotations.models import Verdict

        return Verdict.Label(self.label).label


@dataclass(frozen=True, slots=True)
class WebhookRow:
    """A webhook as the leads' webhook pages show it, its deliveries counted by status."""

    id: int
    url: str
    description: str
    events: tuple[str, ...]  # labels
    event_values: tuple[str, ...]
    enabled: bool
    created_by: str
    created_at: datetime
    pending: int
    delivered: int
    failed: int
    last_event_at: datetime | None
    page: str


@dataclass(frozen=True, slots=True)
class WebhookAttemptRow:
    number: int
    started_at: datetime
    duration_ms: int
    response_status: int | None
    error: str
    retry_at: datetime | None


@dataclass(frozen=True, slots=True)
class WebhookDeliveryRow:
    """One delivery in a webhook's log: the event, what it is about, where its sending stands
    (the last attempt's answer) and every attempt."""

    uuid: str
    event: str
    event_label: str
    object_id: int
    object_url: str  # the article's or claim's page; "" when it is gone
    status: str
    status_label: str
    attempts: int
    max_attempts: int
    response_status: int | None
    error: str
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    resent_by: str  # the lead who last resent it ("" for none)
    resent_at: datetime | None
    resendable: bool  # given up, or waiting for a retry (webhook_delivery_resend)
    resend_url: str
    attempt_log: tuple[WebhookAttemptRow, ...]


@dataclass(frozen=True, slots=True)
class WebhookChangeRow:
    action_label: str
    actor: str
    at: datetime
    before: dict
    after: dict
