"""Every write to verdicts goes through here."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import IntegerField

from annotations import consensus
from annotations.assignment import lease_release, leases_unreleased, verdict_slot_open
from annotations.models import Verdict, VerdictRevision
from annotations.selectors import reviewer_verdict
from claims.models import Claim
from claims.prepared import Param, Prepared

_url_validator = URLValidator(schemes=["http", "https"])
MAX_EVIDENCE_LINKS = 20


class ReviewsComplete(ValidationError):
    """The claim has its N independent verdicts (or they are reserved by leases): one more
    would break exactly-N review."""


class StaleVerdict(ValidationError):
    """The verdict changed since the form was loaded: saving would overwrite someone's work."""


def evidence_links_clean(links: Iterable[str]) -> list[str]:
    """The links, stripped, blank lines and repeats dropped; every invalid one is named in
    one error, so a reviewer fixes them all at once."""
    cleaned: list[str] = []
    invalid: list[str] = []
    for raw in links:
        link = (raw or "").strip()
        if not link:
            continue
        try:
            _url_validator(link)
        except ValidationError:
            if link not in invalid:
                invalid.append(link)
            continue
        if link not in cleaned:
            cleaned.append(link)
    if invalid:
        named = ", ".join(f"“{link}”" for link in invalid)
        verb = "is not a valid http or https link" if len(invalid) == 1 else \
            "are not valid http or https links"
        raise ValidationError(f"{named} {verb}.")
    if len(cleaned) > MAX_EVIDENCE_LINKS:
        raise ValidationError(f"At most {MAX_EVIDENCE_LINKS} evidence links per verdict.")
    return cleaned


_TRACKED = ("label", "rationale", "evidence_links", "source_correct", "content_correct",
            "claim_version")


def verdict_submit(
    *,
    claim: Claim,
    reviewer,
    label: str,
    rationale: str = "",
    evidence_links: Iterable[str] = (),
    source_correct: bool | None = None,
    content_correct: bool | None = None,
    expected_revision: int | None = None,
    claim_version: int | None = None,
) -> Verdict:
    """Create or change the reviewer's verdict on the claim, keeping every state in history.

    expected_revision is the revision the reviewer's form showed (0 for "no verdict yet"); if
    the verdict has moved on since, StaleVerdict is raised and nothing is saved. Re-sending the
    same content (a double click) is a no-op.

    The verdict records the claim's attribution_version it judged. claim_version is the one
    the reviewer's page showed: if the claim's source, cue or content changed since, the
    reviewer judged other words, so StaleVerdict is raised and nothing is saved.

    Once saved, the reviewer's lease on the claim (from /review/next/) is released: its slot
    is now their verdict's. The page and the API both save through here.
    """
    if label not in Verdict.Label.values:
        raise ValidationError(f"Unknown label {label!r}: use confirmed, contested or unverifiable.")
    if claim.status == Claim.Status.REJECTED:
        raise ValidationError("This claim was rejected as not a claim; restore it to review it.")
    if claim.status == Claim.Status.FINAL:
        raise ValidationError("This claim has its final verdict; a lead can reopen it.")
    values = {
        "label": label,
        "rationale": (rationale or "").strip(),
        "evidence_links": evidence_links_clean(evidence_links),
        "source_correct": source_correct,
        "content_correct": content_correct,
    }
    try:
        verdict = _verdict_write(claim=claim, reviewer=reviewer, values=values,
                                 expected_revision=expected_revision,
                                 claim_version=claim_version)
    except IntegrityError:
        # A concurrent first save of the same reviewer's verdict won the insert: go again,
        # now as an update, so the usual stale/no-op rules decide.
        verdict = _verdict_write(claim=claim, reviewer=reviewer, values=values,
                                 expected_revision=expected_revision,
                                 claim_version=claim_version)
    return verdict


# Every save reads the claim and the reviewer's verdict on it under their row locks: compiled
# once (claims.prepared).
_CLAIM_LOCKED = Prepared(lambda: Claim.objects.select_for_update().filter(
    pk=Param("claim", IntegerField())))
_VERDICT_LOCKED = Prepared(lambda: reviewer_verdict().select_for_update())


@transaction.atomic
def _verdict_write(*, claim, reviewer, values: dict, expected_revision: int | None,
                   claim_version: int | None) -> Verdict:
    locked = _CLAIM_LOCKED.first(claim=claim.pk)
    if locked is None:
        raise Claim.DoesNotExist("The claim was removed while its verdict was being saved.")
    # Read once: whether the reviewer holds the claim, then released below.
    leases = leases_unreleased(reviewer=reviewer, claim_id=claim.pk)
    verdict = _verdict_change(claim=claim, locked=locked, reviewer=reviewer, values=values,
                              expected_revision=expected_revision, claim_version=claim_version,
                              holds_lease=any(lease.active for lease in leases))
    # In the verdict's transaction, also when the same verdict is sent again.
    lease_release(reviewer=reviewer, claim_id=claim.pk, reason="saved", leases=leases)
    return verdict


def _verdict_change(*, claim, locked: Claim, reviewer, values: dict,
                    expected_revision: int | None, claim_version: int | None,
                    holds_lease: bool) -> Verdict:
    """`locked`: the claim, read under its row lock in this transaction."""
    current_claim = locked.attribution_version
    if claim_version is not None and claim_version != current_claim:
        raise StaleVerdict(
            "The claim's source, cue or content was changed since you opened it "
            f"(now version {current_claim}, you saw {claim_version}): you judged other words. "
            "Reload to see the claim as it is now; your input was not saved."
        )
    values = {**values, "claim_version": current_claim}
    verdict = _VERDICT_LOCKED.first(claim=claim.pk, reviewer=reviewer.pk)
    if not verdict_slot_open(
            reviewer=reviewer, claim_id=claim.pk, holds_lease=holds_lease,
            has_own_current_verdict=verdict is not None and verdict.claim_version == current_claim):
        raise ReviewsComplete(
            f"This claim already has the {settings.CLAIMDESK_REVIEWS_PER_CLAIM} independent "
            "verdicts it needs, or colleagues hold it for theirs: your input was not saved. "
            "Take the next claim waiting for you."
        )
    if verdict is not None and all(getattr(verdict, f) == values[f] for f in _TRACKED):
        return verdict
    current = verdict.revision if verdict is not None else 0
    if expected_revision is not None and expected_revision != current:
        raise StaleVerdict(
            "This verdict was changed elsewhere since you opened it "
            f"(now revision {current}, you saw {expected_revision}). "
            "Reload to see the current verdict; your input was not saved."
        )
    if verdict is None:
        # A concurrent first save that won the insert makes this one raise IntegrityError,
        # which rolls back this transaction (or its savepoint): verdict_submit goes again.
        verdict = Verdict.objects.create(claim=claim, reviewer=reviewer, **values)
    else:
        for field, value in values.items():
            setattr(verdict, field, value)
        verdict.revision = current + 1
        verdict.save(update_fields=[*_TRACKED, "revision", "updated_at"])
    VerdictRevision.objects.create(
        verdict=verdict, revision=verdict.revision, recorded_by=reviewer, **values
    )
    # The final verdict, if the reviewers agree.
    consensus.consensus_settle(claim_id=claim.pk, locked=locked)
    return verdict
