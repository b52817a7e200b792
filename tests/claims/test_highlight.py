import pytest

from claims.highlight import (
    article_text_html,
    block_html,
    text_blocks,
    text_preview,
    text_segments,
)
from claims.selectors import ClaimHighlight, span_rows_by_claim
from claims.services import claim_reject
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db


def highlighted(claims) -> list[ClaimHighlight]:
    """The claims as text_segments reads them (as the review page's read models carry them)."""
    rows = span_rows_by_claim([c.pk for c in claims])
    return [ClaimHighlight(c.pk, type(c).objects.get(pk=c.pk).status, rows[c.pk]) for c in claims]


def test_text_segments_split_at_every_boundary_with_overlaps():
    text = "ABCDEFGHIJ"
    article = ArticleFactory(text=text)
    outer = make_claim(article, cue="B", content="CDEFGH")
    inner = make_claim(article, cue="E", content="FG")
    segments = text_segments(text, highlighted([outer, inner]), selected_id=inner.pk)
    assert "".join(s.text for s in segments) == text
    assert [(s.start, s.text) for s in segments] == [
        (0, "A"), (1, "B"), (2, "CD"), (4, "E"), (5, "FG"), (7, "H"), (8, "IJ")]
    by_text = {s.text: s for s in segments}
    assert by_text["FG"].claims == f"{outer.pk}:content {inner.pk}:content"
    assert by_text["FG"].css == "seg hl r-content sel sel-content"
    assert by_text["E"].css == "seg hl r-cue r-content sel sel-cue"
    assert by_text["CD"].css == "seg hl r-content"
    assert by_text["A"].css == "seg"


def test_text_segments_skip_rejected_claims_unless_selected(reviewer):
    article = ArticleFactory(text="He said it rained.")
    claim = make_claim(article, cue="said")
    claim_reject(claim=claim, actor=reviewer, expected_version=1)
    claim.refresh_from_db()
    rows = highlighted([claim])
    assert [s.text for s in text_segments(article.text, rows)] == ["He said it rained."]
    assert len(text_segments(article.text, rows, selected_id=claim.pk)) == 4


def test_span_rows_by_claim_reads_every_claims_spans_in_one_query(django_assert_num_queries):
    text = "ABCDEFGHIJ"
    article = ArticleFactory(text=text)
    claims = [make_claim(article, cue="B", content="CDEFGH"), make_claim(article, cue="E")]
    with django_assert_num_queries(1):
        rows = span_rows_by_claim([c.pk for c in claims])
    assert rows[claims[0].pk] == [("cue", 1, 2), ("content", 2, 8)]
    assert [s.text for s in text_segments(text, highlighted(claims))] == [
        "A", "B", "CD", "E", "F", "GH", "IJ"]


def test_article_text_html_escapes_the_text_and_keeps_offsets():
    text = 'He said "<script>alert(1)</script>" & <img src=x onerror=alert(2)>.'
    article = ArticleFactory(text=text)
    claim = make_claim(article, cue="said", content="<script>alert(1)</script>")
    html = article_text_html(text_segments(text, highlighted([claim])))
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;" in html
    assert "&amp;" in html
    content_start = text.index("<script>")
    assert f'data-start="{content_start}" data-c="{claim.pk}:content">&lt;script&gt;' in html


def test_text_preview_cuts_long_text_with_an_ellipsis():
    assert text_preview("short") == "short"
    assert text_preview("x" * 120) == "x" * 120
    cut = text_preview("word " * 40, limit=20)
    assert len(cut) <= 20
    assert cut.endswith("…")
    assert not cut[:-1].endswith(" ")


def test_text_blocks_cover_the_text_once_and_end_at_line_ends_or_full_stops():
    text = ("One line of fictional text. " * 30 + "\n") * 40 + "x" * 9000
    blocks = text_blocks(text, size=500)
    assert blocks[0][0] == 0
    assert blocks[-1][1] == len(text)
    assert all(a < b == c for (a, b), (c, _) in zip(blocks, blocks[1:], strict=False))
    assert all(text[b - 1] in "\n " for _, b in blocks if b <= 841 * 40)
    assert max(b - a for a, b in blocks) <= 1000


def test_text_segments_of_a_window_cut_spans_at_its_edges(reviewer):
    text = "He said it rained all day."
    claim = ClaimHighlight(1, "open", [("content", 8, 25), ("cue", 3, 7)])
    segments = text_segments(text, [claim], start=5, end=15)
    assert [(s.start, s.text) for s in segments] == [(5, "id"), (7, " "), (8, "it rain")]
    assert segments[0].claims == "1:cue"
    assert segments[2].claims == "1:content"
    html = block_html(text, 5, 15, segments)
    assert html.startswith('<span class="block" data-start="5" data-end="15">')
    plain = block_html(text, 0, 5, lazy_url="/a/?text=0-5&x=<")
    assert 'hx-get="/a/?text=0-5&amp;x=&lt;"' in plain
    assert plain.endswith(">He sa</span>")
