"""The review screens' template tags."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from annotations.forms import VerdictForm
from annotations.read_models import ClaimForReview
from annotations.templatetags.review import claim_row, input_tag


def _forms():
    unbound = VerdictForm(initial={"expected_revision": 3, "claim_version": 2,
                                   "source_correct": "yes"})
    bound = VerdictForm({"expected_revision": "x", "content_correct": "no",
                         "rationale": 'a "quoted" <b>rationale</b>'})
    bound.is_valid()
    return [unbound, bound]


@pytest.mark.parametrize("form", _forms())
def test_input_tag_writes_what_djangos_input_template_writes(form):
    checked = 0
    for field in form:
        if field.widget_type == "radioselect":
            for radio in field:
                assert input_tag(radio.data) == radio.tag()
                checked += 1
        elif field.widget_type == "hidden":
            assert input_tag(field.subwidgets[0].data) == str(field)
            checked += 1
    assert checked == 8  # two hidden fields, two sets of three radios


# The claim row as the list's template wrote it before claim_row: the tag must write the same.
ROW_TEMPLATE = """{% load l10n %}{% localize off %}<li id="claim-item-{{ c.id }}" class="claim-row{% if c.id == claim.id %} is-selected{% endif %}{% if c.rejected %} is-rejected{% endif %}" data-claim-id="{{ c.id }}"{% if oob %} hx-swap-oob="true"{% endif %}>
  {% with url=c.get_absolute_url %}<a href="{{ url }}" hx-get="{{ url }}" hx-target="#review" hx-swap="outerHTML" hx-push-url="true" hx-sync="#claim-list:replace"{% if c.id == claim.id %} aria-current="true"{% endif %}>{% endwith %}
    <span class="row-no">{{ c.number }}</span>
    <span class="row-who">{% if c.source_name %}{{ c.source_name }}{% elif c.source_text %}{{ c.source_text }}{% else %}<span class="muted">no source</span>{% endif %}</span>
    <span class="row-what">{{ c.preview }}</span>
    <span class="row-meta">{{ c.kind_label }}</span>
    <span class="badge v-{{ c.badge }}">{% if c.badge == "rejected" %}Not a claim{% elif c.badge == "outdated" %}Changed since your verdict{% elif c.badge == "todo" %}To review{% elif c.badge == "adjudication" %}Needs adjudication{% elif c.badge == "reserved" %}Reserved by colleagues{% elif c.badge == "none" %}{{ c.status_label }}{% else %}{{ c.my_label|capfirst }}{% endif %}</span>
  </a>
</li>{% endlocalize %}"""  # noqa: E501


def _row(**changes) -> ClaimForReview:
    row = ClaimForReview(
        id=12345, article_id=7, article_url="/articles/7/", number=1234, position=5, kind="direct",
        status="open", origin="machine", confidence=0.5, version=1, attribution_version=2,
        source_id=3, source_name='The "Harbour" <Office> & co', source_kind="organisation",
        span_rows=(), source_text="the office", cue_text="said",
        content_text="the quay would reopen " * 10, my_label=None, my_revision=0,
        my_claim_version=None, reviewable=True, reviewed_by_me=False, takes_my_verdict=True,
        verdicts_complete=False)
    return replace(row, **changes)


ROWS = [
    _row(),  # to review, a long preview
    _row(source_name="", source_id=None),  # the words as written
    _row(source_name="", source_id=None, source_text=""),  # no source
    _row(status="rejected", reviewable=False),
    _row(status="final", reviewable=False),
    _row(my_label="contested", my_claim_version=2, reviewed_by_me=True),
    _row(my_label="confirmed", my_claim_version=1),  # outdated
    _row(content_text="<script>alert(1)</script>", kind="indirect"),
    _row(takes_my_verdict=False, verdicts_complete=True),  # waits for a lead's decision
    _row(takes_my_verdict=False),  # colleagues hold its remaining slots
]


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize(("selected_id", "oob"), [(12345, False), (99, True), ("", False)])
def test_claim_row_writes_what_the_rows_template_wrote(row, selected_id, oob):
    expected = Template(ROW_TEMPLATE).render(Context(
        {"c": row, "claim": {"id": selected_id} if selected_id != "" else None, "oob": oob}))
    assert claim_row(row, selected_id, oob=oob) == expected


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/St_Johns"])
@pytest.mark.parametrize("at", [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # a DST change in Europe
    datetime(2026, 11, 27, 23, 59, 59, 123456, tzinfo=UTC),  # microseconds
])
def test_time_tag_writes_what_the_date_filters_wrote(zone, at):
    with timezone.override(zone):
        ours = Template("{% load review %}{% time_tag at %}").render(Context({"at": at}))
        django = Template("""<time datetime="{{ at|date:'c' }}">{{ at|date:"Y-m-d H:i" }}</time>"""
                          ).render(Context({"at": at}))
    assert ours == django
    assert ours.startswith('<time datetime="20')


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("the ferry would run", "“the ferry would run”"),
        ("“Nobody is allowed in or out,”", "“Nobody is allowed in or out,”"),
        ('"We will reopen," and more', "&quot;We will reopen,&quot; and more"),
        ("‘soon’", "‘soon’"),
        ("a <b>bold</b> & 'odd' claim", "“a &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;odd&#x27; claim”"),
    ],
)
def test_quoted_puts_marks_round_a_span_once_and_escapes_it(text, shown):
    html = Template("{% load review %}{{ text|quoted }}").render(Context({"text": text}))
    assert html == shown
