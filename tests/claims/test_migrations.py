"""Data migrations, run with Django's MigrationExecutor on the historical models: migrate back to
the state before, store rows as they were then, migrate forward and look at the result."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("claims", "0003_claim_attribution_version_position")
AFTER = ("claims", "0004_article_text_line_ends_lf")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def migrate(transactional_db):
    """Migrate to a target and return its historical apps; the schema is put back to the latest
    migrations afterwards, whatever the test did."""

    def run(target):
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        executor.loader.build_graph()
        return executor.loader.project_state([target]).apps

    yield run
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _claim_with_spans(apps, article, **fragments):
    """A claim whose role spans are the first occurrence of each fragment in the article text,
    with the old (pre-normalisation) offsets."""
    starts = {role: article.text.index(fragment) for role, fragment in fragments.items()}
    claim = apps.get_model("claims", "Claim").objects.create(
        article=article, position=min(starts.values()), version=3, attribution_version=2)
    span_model = apps.get_model("claims", "Span")
    for role, fragment in fragments.items():
        span_model.objects.create(claim=claim, role=role, start=starts[role],
                                  end=starts[role] + len(fragment))
    return claim


def test_line_ends_migration_rewrites_crlf_texts_and_shifts_their_spans(migrate):
    apps = migrate(BEFORE)
    article_model = apps.get_model("claims", "Article")
    text = ("Quarry dispute\r\n\r\nThe quarry owner said\r\nthe blasting would stop.\rA neighbour "
            "told reporters\r\nthat the dust had not settled.\r\n")
    article = article_model.objects.create(title="Quarry", text=text, content_hash=sha256(text))
    claims = [
        _claim_with_spans(apps, article, source="The quarry owner", cue="said",
                          content="the blasting would stop."),
        _claim_with_spans(apps, article, source="A neighbour", cue="told reporters",
                          content="that the dust had not settled.\r\n"),
        _claim_with_spans(apps, article, content="said\r\nthe blasting"),
    ]
    old_spans = {
        span.pk: text[span.start:span.end]
        for span in apps.get_model("claims", "Span").objects.filter(claim__in=claims)
    }
    untouched_text = "Already LF.\nThe mayor said nothing."
    untouched = article_model.objects.create(title="LF", text=untouched_text,
                                             content_hash=sha256(untouched_text))
    untouched_claim = _claim_with_spans(apps, untouched, cue="said", content="nothing.")

    apps = migrate(AFTER)
    article = apps.get_model("claims", "Article").objects.get(pk=article.pk)
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    assert article.text == expected
    assert article.content_hash == sha256(expected)
    spans = apps.get_model("claims", "Span").objects.filter(claim__article=article)
    assert len(spans) == len(old_spans)
    for span in spans:
        assert expected[span.start:span.end] == old_spans[span.pk].replace("\r\n", "\n")
    for claim in apps.get_model("claims", "Claim").objects.filter(article=article):
        assert claim.position == min(s.start for s in spans if s.claim_id == claim.pk)
        assert (claim.version, claim.attribution_version) == (3, 2)
    lf = apps.get_model("claims", "Article").objects.get(pk=untouched.pk)
    assert (lf.text, lf.content_hash) == (untouched_text, sha256(untouched_text))
    lf_spans = apps.get_model("claims", "Span").objects.filter(claim_id=untouched_claim.pk)
    assert sorted(untouched_text[s.start:s.end] for s in lf_spans) == ["nothing.", "said"]


def test_line_ends_migration_maps_offsets_in_claim_history(migrate):
    apps = migrate(BEFORE)
    text = "Headline\r\nThe council said the bridge is safe.\r\n"
    article = apps.get_model("claims", "Article").objects.create(
        title="Bridge", text=text, content_hash=sha256(text))
    claim = apps.get_model("claims", "Claim").objects.create(article=article)
    said, safe = text.index("said"), text.index("the bridge is safe.")
    change = apps.get_model("claims", "ClaimChange").objects.create(
        claim=claim, action="edit_spans",
        before={"content": [[said + 5, len(text)]]},
        after={"content": [[safe, safe + len("the bridge is safe.")]], "version": 2})

    apps = migrate(AFTER)
    change = apps.get_model("claims", "ClaimChange").objects.get(pk=change.pk)
    new_text = text.replace("\r\n", "\n")
    (start, end), = change.after["content"]
    assert new_text[start:end] == "the bridge is safe."
    assert change.after["version"] == 2
    (start, end), = change.before["content"]
    assert new_text[start:end] == "the bridge is safe.\n"


def test_line_ends_migration_keeps_both_articles_that_become_identical(migrate):
    apps = migrate(BEFORE)
    article_model = apps.get_model("claims", "Article")
    lf = "Harbour notice\nThe pilot said the channel is clear."
    earlier = article_model.objects.create(title="CRLF copy", text=lf.replace("\n", "\r\n"),
                                           content_hash=sha256(lf.replace("\n", "\r\n")))
    cr_copy = article_model.objects.create(title="CR copy", text=lf.replace("\n", "\r"),
                                           content_hash=sha256(lf.replace("\n", "\r")))
    later_lf = article_model.objects.create(title="LF copy", text=lf, content_hash=sha256(lf))

    apps = migrate(AFTER)
    article_model = apps.get_model("claims", "Article")
    rows = {a.pk: a for a in article_model.objects.all()}
    assert {a.text for a in rows.values()} == {lf}
    # The earliest keeps the real hash, so a new submission of the text finds it; each later
    # copy gets a marker naming the article it duplicates.
    assert rows[earlier.pk].content_hash == sha256(lf)
    assert rows[cr_copy.pk].content_hash == f"duplicate-of-{earlier.pk}-id-{cr_copy.pk}"
    assert rows[later_lf.pk].content_hash == f"duplicate-of-{earlier.pk}-id-{later_lf.pk}"


def test_line_ends_migration_widens_a_span_cut_inside_a_crlf_to_the_whole_line_end(migrate):
    apps = migrate(BEFORE)
    text = "Dam report\r\nThe engineer said the dam holds.\r\n"
    article = apps.get_model("claims", "Article").objects.create(
        title="Dam", text=text, content_hash=sha256(text))
    claim = apps.get_model("claims", "Claim").objects.create(article=article)
    span_model = apps.get_model("claims", "Span")
    cr = text.index("\r")
    ends_on_cr = span_model.objects.create(claim=claim, role="source", start=0, end=cr + 1)
    only_cr = span_model.objects.create(claim=claim, role="cue", start=cr, end=cr + 1)
    starts_on_lf = span_model.objects.create(claim=claim, role="content", start=cr + 1,
                                             end=text.index(" said"))

    apps = migrate(AFTER)
    new_text = text.replace("\r\n", "\n")
    spans = apps.get_model("claims", "Span").objects.in_bulk()
    assert new_text[spans[ends_on_cr.pk].start:spans[ends_on_cr.pk].end] == "Dam report\n"
    assert new_text[spans[only_cr.pk].start:spans[only_cr.pk].end] == "\n"
    assert new_text[spans[starts_on_lf.pk].start:spans[starts_on_lf.pk].end] == "\nThe engineer"
