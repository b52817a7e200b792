"""Filters and tags of the review screens."""

from urllib.parse import urlsplit

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from annotations.read_models import ClaimForReview
from annotations.widgets import input_html

register = template.Library()


@register.simple_tag
def input_tag(widget: dict) -> SafeString:
    """The <input> of a widget's context ({{ radio.data }} for a radio option,
    {{ field.subwidgets.0.data }} for a hidden field: every attribute Django's form code
    computed), as Django's input.html template writes it, assembled in Python: the review
    panel has eight of them and the template engine took a quarter of a millisecond each."""
    return input_html(widget)


BADGE_TEXT = {"rejected": "Not a claim", "outdated": "Changed since your verdict",
              "todo": "To review"}
NO_SOURCE = mark_safe('<span class="muted">no source</span>')


@register.simple_tag
def claim_row(c: ClaimForReview, selected_id=None, oob: bool = False) -> SafeString:
    """A claim's row in the article's claim list (`selected_id`: the claim the panel shows;
    `oob`: swapped in out of band, after a save), assembled in Python: the page lists every
    claim of most articles, and the template engine took about a fifth of a millisecond a
    row (bench/README.md, Load, fourth pass)."""
    selected = c.id == selected_id
    url = c.get_absolute_url()
    badge = c.badge
    text = c.status_label if badge == "none" else BADGE_TEXT.get(badge) or capfirst(c.my_label)
    return format_html(
        '<li id="claim-item-{}" class="claim-row{}{}" data-claim-id="{}"{}>\n'
        '  <a href="{}" hx-get="{}" hx-target="#review" hx-swap="outerHTML" hx-push-url="true"{}>\n'
        '    <span class="row-no">{}</span>\n'
        '    <span class="row-who">{}</span>\n'
        '    <span class="row-what">{}</span>\n'
        '    <span class="row-meta">{}</span>\n'
        '    <span class="badge v-{}">{}</span>\n'
        '  </a>\n'
        '</li>',
        c.id, " is-selected" if selected else "", " is-rejected" if c.rejected else "", c.id,
        mark_safe(' hx-swap-oob="true"') if oob else "",
        url, url, mark_safe(' aria-current="true"') if selected else "",
        c.number, c.source_name or c.source_text or NO_SOURCE, c.preview, c.kind_label,
        badge, text)


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
