"""Filters and tags of the review screens."""

from html import escape
from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from annotations.read_models import ClaimForReview
from annotations.widgets import input_html
from claims.spans import span_quoted

register = template.Library()


@register.simple_tag
def input_tag(widget: dict) -> SafeString:
    """The <input> of a widget's context ({{ radio.data }} for a radio option,
    {{ field.subwidgets.0.data }} for a hidden field: every attribute Django's form code
    computed), as Django's input.html template writes it, assembled in Python: the review
    panel has eight of them and the template engine took a quarter of a millisecond each."""
    return input_html(widget)


BADGE_TEXT = {"rejected": "Not a claim", "outdated": "Changed since your verdict",
              "todo": "To review", "adjudication": "Needs adjudication",
              "reserved": "Reserved by colleagues"}
NO_SOURCE = '<span class="muted">no source</span>'
OOB = ' hx-swap-oob="true"'
CURRENT = ' aria-current="true"'
# Every link that loads a claim into the review panel: a newer load replaces (aborts) the one in
# flight, so only the last claim asked for is shown and only its URL is pushed.
PANEL_SYNC = 'hx-sync="#claim-list:replace"'


@register.simple_tag
def claim_row(c: ClaimForReview, selected_id=None, oob: bool = False) -> SafeString:
    """A claim's row in the article's claim list (`selected_id`: the claim the panel shows;
    `oob`: swapped in out of band, after a save), assembled in Python: the page lists every
    claim of most articles, and the template engine took about a fifth of a millisecond a
    row. The text is escaped with html.escape, as Django's escape() does, without
    format_html's per-argument overhead (60 microseconds a row here)."""
    selected = c.id == selected_id
    url = escape(c.get_absolute_url())
    badge = c.badge
    text = c.status_label if badge == "none" else BADGE_TEXT.get(badge) or capfirst(c.my_label)
    who = c.source_name or c.source_text
    return mark_safe(
        f'<li id="claim-item-{c.id}" class="claim-row{" is-selected" if selected else ""}'
        f'{" is-rejected" if c.rejected else ""}" data-claim-id="{c.id}"'
        f'{OOB if oob else ""}>\n'
        f'  <a href="{url}" hx-get="{url}" hx-target="#review" hx-swap="outerHTML" '
        f'hx-push-url="true" {PANEL_SYNC}{CURRENT if selected else ""}>\n'
        f'    <span class="row-no">{c.number}</span>\n'
        f'    <span class="row-who">{escape(who) if who else NO_SOURCE}</span>\n'
        f'    <span class="row-what">{escape(c.preview)}</span>\n'
        f'    <span class="row-meta">{escape(c.kind_label)}</span>\n'
        f'    <span class="badge v-{escape(badge)}">{escape(text)}</span>\n'
        '  </a>\n'
        '</li>')


@register.simple_tag
def panel_sync() -> SafeString:
    """The hx-sync attribute of a link that loads a claim into the review panel (PANEL_SYNC)."""
    return mark_safe(PANEL_SYNC)


@register.simple_tag
def time_tag(at) -> SafeString:
    """`<time datetime="{{ at|date:'c' }}">{{ at|date:"Y-m-d H:i" }}</time>`, the time made
    local once: Django's date filter made it local and formatted it character by character
    for each of the two, about 30 microseconds a time, and a claim's history shows one per
    change on every review panel."""
    local = timezone.localtime(at)
    return mark_safe(f'<time datetime="{local.isoformat()}">{local:%Y-%m-%d %H:%M}</time>')


@register.filter(needs_autoescape=True)
def quoted(text, autoescape: bool = True) -> SafeString:
    """A span's text as claims.spans.span_quoted shows it, escaped."""
    shown = span_quoted(str(text))
    return mark_safe(escape(shown, quote=True) if autoescape else shown)


@register.filter
def is_web_url(url: str) -> bool:
    """Whether a stored link may be rendered as a link: http or https only. Every entry path
    validates links already; this keeps a `javascript:` or `data:` one that reached the
    database some other way (an old row, a hand edit) from becoming clickable."""
    return urlsplit(str(url)).scheme.lower() in {"http", "https"}


@register.filter
def url_host(url: str) -> str:
    """The host of a link, shown first so a reviewer sees where it leads."""
    return urlsplit(url).hostname or ""


@register.filter
def url_rest(url: str) -> str:
    """What follows the host: path, query and fragment."""
    parts = urlsplit(url)
    rest = parts.path if parts.path not in ("", "/") else ""
    if parts.query:
        rest += "?" + parts.query
    if parts.fragment:
        rest += "#" + parts.fragment
    return rest
