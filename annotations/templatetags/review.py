"""Filters and tags of the review screens."""

from urllib.parse import urlsplit

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def input_tag(widget: dict) -> SafeString:
    """The <input> of a widget's context ({{ radio.data }} for a radio option,
    {{ field.subwidgets.0.data }} for a hidden field: every attribute Django's form code
    computed), as Django's input.html template writes it, assembled in Python: the review
    panel has eight of them and the template engine took a quarter of a millisecond each."""
    attrs = mark_safe("".join(  # each piece is escaped by format_html
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in widget["attrs"].items() if value is not False))
    value = widget["value"]
    return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                       format_html(' value="{}"', value) if value is not None else "", attrs)


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
