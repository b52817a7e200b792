import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.services import verdict_submit
from claims.models import Article, Claim, ClaimChange, Source, SourceAlias, Span
from claims.services import (
    article_create,
    article_text_from_paste,
    article_text_from_upload,
    article_text_validate,
    claim_create,
    claims_replace_machine,
    source_alias_add,
    source_by_name,
    source_merge,
    source_resolve,
)
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = "The harbour master said the port would reopen on Friday."


# --- article_create: validation and dedup ----------------------------------------------------
def test_article_create_stores_text_as_received_with_lf_line_ends_and_queues_segmentation(
    django_capture_on_commit_callbacks,
):
    text = "  Line one said nothing.\r\n\tLine two — with “quotes”,\u2028e\u0301 and é.\r  "
    with django_capture_on_commit_callbacks() as callbacks:
        result = article_create(text=text, title="Raw", submitted_via=Article.Via.API)
    assert result.created
    stored = Article.objects.get(pk=result.article.pk)
    # Only CRLF and lone CR change; spaces, tabs, U+2028 and decomposed é stay as they were.
    expected = "  Line one said nothing.\n\tLine two — with “quotes”,\u2028e\u0301 and é.\n  "
    assert stored.text == expected
    assert stored.content_hash == hashlib.sha256(expected.encode()).hexdigest()
    assert stored.submitted_via == "api"
    assert stored.segmentation_status == Article.Segmentation.PENDING
    assert len(callbacks) == 1


def test_article_create_same_text_twice_returns_existing_article():
    first = article_create(text=TEXT, title="First")
    second = article_create(text=TEXT, title="Another title")
    assert first.created
    assert not second.created
    assert second.article.pk == first.article.pk
    assert Article.objects.count() == 1
    assert Article.objects.get().title == "First"


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_article_create_same_text_with_other_line_ends_returns_existing_article(line_end):
    first = article_create(text="Headline\n\nThe mayor said yes.\n")
    second = article_create(text=f"Headline{line_end}{line_end}The mayor said yes.{line_end}")
    assert not second.created
    assert second.article.pk == first.article.pk
    assert Article.objects.get().text == "Headline\n\nThe mayor said yes.\n"


def test_article_text_size_limit_counts_the_text_as_stored_with_lf(settings):
    settings.CLAIMDESK_MAX_ARTICLE_BYTES = 10
    article_text_validate("abcd\r\nefgh\r\n")  # 12 bytes received, 10 stored
    with pytest.raises(ValidationError, match="11 bytes; the limit is 10 bytes"):
        article_text_validate("abcd\r\nefghi\r\n")


def test_article_create_without_title_takes_first_line():
    result = article_create(text="\n\nHeadline here\nBody said things.")
    assert result.article.title == "Headline here"


def test_article_create_refuses_a_given_title_over_500_characters_instead_of_cutting_it():
    with pytest.raises(ValidationError) as refused:
        article_create(text="The council said the pier would be rebuilt.", title="T" * 615)
    assert refused.value.message_dict == {
        "title": ["is 615 characters long; the limit is 500"]}
    assert Article.objects.count() == 0
    # Surrounding spaces are not stored, so they do not count.
    assert len(article_create(text="The pier said nothing.", title=f"  {'T' * 500}  ")
               .article.title) == 500


def test_article_create_shortens_a_title_it_takes_from_a_long_first_line():
    first_line = "The harbour board said " + "very " * 120 + "much."
    article = article_create(text=f"{first_line}\nMore text.").article
    assert article.title == first_line[:120]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("Bad\x00byte", "NUL byte"),
        ("Lone \ud800 surrogate", "invalid Unicode"),
    ],
)
def test_article_create_rejects_bad_text_and_saves_nothing(text, message):
    with pytest.raises(ValidationError, match=message):
        article_create(text=text, title="t")
    assert Article.objects.count() == 0


def test_article_create_rejects_oversized_text_and_saves_nothing(settings):
    settings.CLAIMDESK_MAX_ARTICLE_BYTES = 100
    with pytest.raises(ValidationError, match="101 bytes; the limit is 100 bytes"):
        article_create(text="é" * 50 + "x", title="t")  # 101 bytes in UTF-8, 51 characters
    assert Article.objects.count() == 0
    assert article_create(text="x" * 100, title="t").created


def test_article_create_rejects_invalid_url_and_saves_nothing():
    with pytest.raises(ValidationError, match="url"):
        article_create(text=TEXT, title="t", url="javascript:alert(1)")
    assert Article.objects.count() == 0


def test_upload_decodes_utf8_and_drops_byte_order_mark():
    assert article_text_from_upload(data="\ufeffThe mayor said “yes”.".encode()) == (
        "The mayor said “yes”."
    )


def test_upload_with_invalid_encoding_says_so():
    with pytest.raises(ValidationError, match=r"not valid UTF-8 text \(bad byte at position 3\)"):
        article_text_from_upload(data=b"Caf\xc3 \xff latin-1 bytes", filename="x.txt")


def test_pasted_text_with_replacement_character_is_refused_as_not_utf8():
    with pytest.raises(ValidationError,
                       match="The pasted text is not valid UTF-8.*nothing was saved"):
        article_text_from_paste("The Caf\ufffd owner said it would close.")


def test_pasted_text_is_validated_like_any_article_text():
    with pytest.raises(ValidationError, match="empty"):
        article_text_from_paste(" \r\n ")
    assert article_text_from_paste("Fine.\r\n") == "Fine.\r\n"


def test_upload_with_nul_byte_says_so():
    with pytest.raises(ValidationError, match="NUL byte"):
        article_text_from_upload(data=b"\x00\x01binary")


# --- claim_create: span checks --------------------------------------------------------------
def test_claim_create_stores_spans_by_role():
    article = ArticleFactory(text=TEXT)
    claim = make_claim(article, cue="said", content="the port would reopen on Friday",
                       source="The harbour master")
    spans = {(s.role, article.text[s.start:s.end]) for s in claim.spans.all()}
    assert spans == {("source", "The harbour master"), ("cue", "said"),
                     ("content", "the port would reopen on Friday")}


@pytest.mark.parametrize(
    ("cue", "content", "message"),
    [
        ([(-1, 3)], [(5, 9)], "outside the article text"),
        ([(4, 4)], [(5, 9)], "outside the article text"),
        ([(4, 2)], [(5, 9)], "outside the article text"),
        ([(4, 8)], [(5, len(TEXT) + 1)], "outside the article text"),
        ([], [(5, 9)], "needs a cue"),
        ([(4, 8)], [], "needs content"),
        ([(4, 8)], [(10, 20), (15, 25)], "overlap"),
        ([(4, 8)], [(6, 20)], "The cue and the content overlap"),
        ([(10, 14)], [(0, 11)], "The content and the cue overlap"),
        ([(4, "8")], [(10, 20)], "integers"),
        ([(4,)], [(10, 20)], "pair"),
    ],
)
def test_claim_create_rejects_bad_spans_and_saves_nothing(cue, content, message):
    article = ArticleFactory(text=TEXT)
    with pytest.raises(ValidationError, match=message):
        claim_create(article=article, cue_spans=cue, content_spans=content)
    assert Claim.objects.count() == 0
    assert Span.objects.count() == 0


def test_database_refuses_span_with_start_not_before_end():
    claim = make_claim(ArticleFactory(text=TEXT), content="the port")
    with pytest.raises(IntegrityError), transaction.atomic():
        Span.objects.create(claim=claim, role="cue", start=7, end=7)


def test_database_refuses_unknown_span_role():
    claim = make_claim(ArticleFactory(text=TEXT), content="the port")
    with pytest.raises(IntegrityError), transaction.atomic():
        Span.objects.create(claim=claim, role="banana", start=1, end=2)


def test_reviewer_created_claim_is_recorded_in_change_log(reviewer):
    claim = make_claim(ArticleFactory(text=TEXT), content="the port", created_by=reviewer)
    change = ClaimChange.objects.get(claim=claim)
    assert change.actor == reviewer
    assert change.action == "create"
    cue_start = TEXT.index("said")
    assert change.after["cue"] == [[cue_start, cue_start + 4]]
    with pytest.raises(ValueError, match="append-only"):
        change.save()


# --- Sources --------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["the Mali army", "Mali's army", "the Malian army",
                                     "The MALIAN Army", "Mali’s army"])
def test_source_variants_merge_into_one_entity(variant):
    first = source_resolve(name="the Mali army")
    assert source_resolve(name=variant) == first
    assert Source.objects.count() == 1


def test_source_alias_points_a_new_name_at_an_existing_source():
    army = source_resolve(name="the Estorian army")
    source_alias_add(source=army, alias="the armed forces of Estoria")
    assert source_resolve(name="The armed forces of Estoria") == army


def test_source_alias_cannot_belong_to_two_sources():
    army = source_resolve(name="the army")
    rebels = source_resolve(name="the rebels")
    source_alias_add(source=army, alias="the troops")
    with pytest.raises(ValidationError, match="another source"):
        source_alias_add(source=rebels, alias="The troops")


def test_source_alias_cannot_be_another_sources_name():
    army = source_resolve(name="the army")
    source_resolve(name="the rebels")
    with pytest.raises(ValidationError, match="name of another source entity"):
        source_alias_add(source=army, alias="The rebels")
    assert not army.aliases.exists()


def test_source_by_name_prefers_the_entity_so_named_and_agrees_with_resolve():
    army = source_resolve(name="the army")
    rebels = source_resolve(name="the rebels")
    # Old data (from before aliases were checked against names): an alias equal to a name.
    SourceAlias.objects.create(source=army, alias="the rebels", normalized_alias="rebels")
    assert source_by_name("The rebels") == rebels
    assert source_resolve(name="The rebels") == rebels
    assert source_by_name("nobody at all") is None


def test_anonymous_sources_are_not_merged_across_articles():
    one = source_resolve(name="a local official", anonymous=True, article_id=1)
    two = source_resolve(name="a local official", anonymous=True, article_id=2)
    assert one != two
    assert one.kind == Source.Kind.ANONYMOUS


def test_source_merge_moves_claims_and_keeps_old_name_as_alias():
    article = ArticleFactory(text=TEXT)
    old = source_resolve(name="the harbour master")
    new = source_resolve(name="Port authority")
    claim = make_claim(article, content="the port", source=None)
    claim.source = old
    claim.save(update_fields=["source"])
    source_merge(source=old, into=new)
    claim.refresh_from_db()
    assert claim.source == new
    assert source_resolve(name="The harbour master") == new


# --- Re-segmentation ------------------------------------------------------------------------
class FakeAttribution:
    """Stands in for the extractor's output: a plain record of spans."""

    def __init__(self, cue, content, source=(), kind="indirect"):
        self.cue, self.content, self.source = tuple(cue), tuple(content), tuple(source)
        self.kind, self.confidence = kind, 0.8
        self.source_text = self.resolved_source = "The harbour master" if source else ""
        self.source_name, self.source_kind = self.source_text, "other"
        self.anonymous = False


def test_claims_replace_machine_keeps_reviewed_edited_and_reviewer_claims(reviewer):
    text = "Ann said yes. Bob said no. Cy said maybe. Di said never."
    article = ArticleFactory(text=text)
    reviewed = make_claim(article, cue="said", content="yes", origin="machine")
    untouched = make_claim(article, cue="said", content="no", occurrence=1, origin="machine")
    edited = make_claim(article, cue="said", content="maybe", occurrence=2, origin="machine")
    Claim.objects.filter(pk=edited.pk).update(edited_at="2026-01-01T00:00:00Z")
    by_reviewer = make_claim(article, cue="said", content="never", occurrence=3,
                             origin="reviewer", created_by=reviewer)
    verdict_submit(claim=reviewed, reviewer=reviewer, label="confirmed")

    rerun = [FakeAttribution([(4, 8)], [(9, 12)]),    # same cue as the reviewed claim
             FakeAttribution([(18, 22)], [(23, 25)])]  # replaces the untouched claim
    created = claims_replace_machine(article_id=article.pk, attributions=rerun,
                                     extractor_version="test-2")
    assert created == 1
    remaining = set(article.claims.values_list("pk", flat=True))
    assert {reviewed.pk, edited.pk, by_reviewer.pk} <= remaining
    assert untouched.pk not in remaining
    assert len(remaining) == 4
    article.refresh_from_db()
    assert article.segmentation_status == "done"
    assert article.extractor_version == "test-2"
