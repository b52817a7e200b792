"""Line ends of stored article texts become LF, and every offset into those texts moves with them.

Articles are now stored with line ends normalised (CRLF and lone CR to LF) by
`claims.services.articles.article_create`. Texts stored before that may hold CRLF: the review
page's script counts offsets in the DOM text, where the browser has already turned each CRLF
into one LF, so their spans were off by one for every line break before them.

For every article whose text contains "\\r":
- the text gets LF line ends; nothing else in it changes;
- content_hash is recomputed (sha256 of the UTF-8 text, as content_hash() computes it; inlined
  here because a migration must not import code that may change later);
- every offset into the text moves: Span.start/end of its claims, each claim's position (its
  first span's start) and the [start, end] pairs in its claims' ClaimChange history (they
  pointed into the old text; left alone, the history would point into a text that no longer
  exists). The claims say the same words as before, so version and attribution_version stay:
  reviewers' verdicts remain current. An offset after k removed CRs moves back by k. An
  offset between the CR and LF of a pair (only a hand-made span can have one) goes before the
  LF when it starts a span and after it when it ends one, so a span keeps every character it
  touched and never becomes empty.

Two articles can become the same text (one pasted with CRLF, one uploaded with LF). The hash is
unique, and both articles may carry reviewers' work, so both are kept: the one with the lowest
id keeps the real hash, so a new submission of the text opens it, and each other copy gets
"duplicate-of-<kept id>-id-<own id>" instead: unique, not a sha256 so it matches no submission,
and it names the article to keep if an editor merges them by hand.

Articles are read a batch at a time in id order (a desk holds thousands). The reverse is a
no-op: the CRLF forms are not kept, and LF texts are valid under the old code too.
"""

import bisect
import hashlib

from django.db import migrations

BATCH = 100
ROLES = ("source", "cue", "content")


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def offset_mapper(text):
    """A function old offset -> new offset, for `text` with each CRLF made one LF."""
    removed = []  # index of the CR of every CRLF pair: the characters that go
    at = text.find("\r\n")
    while at != -1:
        removed.append(at)
        at = text.find("\r\n", at + 2)

    def new_offset(offset, *, is_end):
        k = bisect.bisect_left(removed, offset)  # removed CRs before `offset`
        if is_end and k and removed[k - 1] == offset - 1:
            return offset - k + 1  # inside a CRLF: the span keeps the whole line end
        return offset - k

    return new_offset


def map_history(payload, new_offset):
    """The same ClaimChange before/after dict with its role spans ([[start, end], ...]) mapped."""
    if not isinstance(payload, dict):
        return payload
    mapped = dict(payload)
    for role in ROLES:
        pairs = payload.get(role)
        if isinstance(pairs, list):
            mapped[role] = [
                [new_offset(pair[0], is_end=False), new_offset(pair[1], is_end=True)]
                if isinstance(pair, list) and len(pair) == 2 else pair
                for pair in pairs
            ]
    return mapped


def normalise(apps, schema_editor):
    Article = apps.get_model("claims", "Article")
    Claim = apps.get_model("claims", "Claim")
    Span = apps.get_model("claims", "Span")
    ClaimChange = apps.get_model("claims", "ClaimChange")
    with_cr = Article.objects.filter(text__contains="\r").order_by("pk").only("pk", "text")
    last_pk = 0
    while True:
        batch = list(with_cr.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            return
        for article in batch:
            new_offset = offset_mapper(article.text)
            text = article.text.replace("\r\n", "\n").replace("\r", "\n")
            Article.objects.filter(pk=article.pk).update(
                text=text, content_hash=_unique_hash(Article, article.pk, sha256(text)))

            spans = list(Span.objects.filter(claim__article_id=article.pk))
            for span in spans:
                span.start = new_offset(span.start, is_end=False)
                span.end = new_offset(span.end, is_end=True)
            Span.objects.bulk_update(spans, ["start", "end"], batch_size=500)

            claims = list(Claim.objects.filter(article_id=article.pk).only("pk", "position"))
            for claim in claims:
                claim.position = new_offset(claim.position, is_end=False)
            Claim.objects.bulk_update(claims, ["position"], batch_size=500)

            changes = list(ClaimChange.objects.filter(claim__article_id=article.pk))
            for change in changes:
                change.before = map_history(change.before, new_offset)
                change.after = map_history(change.after, new_offset)
            ClaimChange.objects.bulk_update(changes, ["before", "after"], batch_size=500)
        last_pk = batch[-1].pk


def _unique_hash(Article, pk, digest):
    """`digest` for article `pk`, unless another article has the same text: then the lower id
    keeps `digest` and the other gets the duplicate marker (see the module docstring)."""
    holder = Article.objects.filter(content_hash=digest).exclude(pk=pk).values_list(
        "pk", flat=True).first()
    if holder is None:
        return digest
    if holder < pk:
        return f"duplicate-of-{holder}-id-{pk}"
    Article.objects.filter(pk=holder).update(content_hash=f"duplicate-of-{pk}-id-{holder}")
    return digest


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_claim_attribution_version_position")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=False)]
