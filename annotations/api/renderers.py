"""The browsable API (DRF's pages for a signed-in browser) under the Content-Security-Policy.

DRF's templates carry two inline styles the policy refuses, and the browser reports each on
every page: a <style> element of Pygments rules and a style attribute that floats the
"Filters" and "Extra Actions" buttons right. The first is dropped (it colours code in view
descriptions rendered from Markdown, and Markdown is not installed, so there is none); the
second is allowed by its hash on these responses only, with 'unsafe-hashes' (the CSP keyword
that lets a hash match a style attribute). No other inline style applies, on these pages or
anywhere else, and scripts are as restricted as everywhere."""

import base64
import hashlib

from rest_framework import renderers

# As written in rest_framework/templates/rest_framework/base.html (DRF 3.x).
FLOAT_RIGHT_STYLE = "float: right; margin-right: 10px"


def style_hash(style: str) -> str:
    digest = hashlib.sha256(style.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


STYLE_SRC_EXTRA = ["'unsafe-hashes'", style_hash(FLOAT_RIGHT_STYLE)]


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None  # no inline <style>
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # django-csp's middleware reads this as its csp_update decorator sets it.
            update = dict(getattr(response, "_csp_update", None) or {})
            update["style-src"] = [*update.get("style-src", []), *STYLE_SRC_EXTRA]
            response._csp_update = update
        return super().render(data, accepted_media_type, renderer_context)
