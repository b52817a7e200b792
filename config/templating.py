"""Template tags every template has (TEMPLATES' "builtins"): Django's `{% url %}`, with the
addresses it works out remembered.

A page of the review loop names a score of addresses (the top bar's, each claim's forms), and
Django's reverse() walks the URL patterns for each, about 20-40 microseconds a time on this
machine: half a millisecond a page, spent again on every request for the same answers. Here
an address is worked out once per process for its view name, arguments, namespace, script
prefix and URLconf, then read back. Only arguments that are strings and integers are
remembered (anything else, say a model instance turned into text, goes to reverse() as
before), and a name that does not reverse raises as it does in Django, every time.
"""

from functools import lru_cache

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Distinct addresses a process remembers: a few per claim it has shown; past this the
# least-recently used are worked out again.
REMEMBERED = 16384


@lru_cache(maxsize=REMEMBERED)
def _reversed(view_name: str, args: tuple, kwargs: tuple, current_app, prefix: str,
              urlconf) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app,
                   urlconf=urlconf)


def _plain(value) -> bool:
    # Text includes a template's literals (SafeString); True is no address's number.
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def url_reversed(view_name, args, kwargs: dict, current_app) -> str:
    """reverse(), remembered when the arguments are plain (see the module's docstring)."""
    if _plain(view_name) and all(map(_plain, args)) and all(map(_plain, kwargs.values())):
        return _reversed(view_name, tuple(args), tuple(sorted(kwargs.items())), current_app,
                         get_script_prefix(), get_urlconf())
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class RememberedURLNode(URLNode):
    """django.template.defaulttags.URLNode, through url_reversed."""

    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:  # as Django's
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = url_reversed(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's {% url %} (same syntax, same errors, same output), remembered."""
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
