"""Filters of the review screens."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


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
