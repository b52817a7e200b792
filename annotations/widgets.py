"""Django's form widget templates for inputs, textareas and selects, written in Python.

Django renders every widget through its template engine: on the article page the verdict
form's two textareas and the add-claim form's inputs and select took about 2 ms of the
page's CPU, the textareas about 1 ms of each verdict save (bench/README.md, Load, fourth
pass). `PYTHON_WIDGETS`, the renderer of the review screens' forms (`default_renderer`),
writes those widgets as Django's templates write them (tests/annotations/test_widgets.py
compares them); any other template, the radio options and error lists among them, it leaves
to Django's. The project overrides none of these templates: one that did would need its
writer here changed too.
"""

from html import escape

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData, SafeString, mark_safe


def _text(value) -> str:
    """conditional_escape(value), without the lazy-string wrapper that made format_html cost
    several microseconds an argument here: html.escape is what Django's escape() calls."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def attrs_html(attrs: dict) -> SafeString:
    """As django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing
    for False."""
    return mark_safe("".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items() if value is not False))


def input_html(widget: dict) -> SafeString:
    """As django/forms/widgets/input.html (text, number, hidden ... inputs, radio options)."""
    value = widget["value"]
    shown = f' value="{_text(value)}"' if value is not None else ""
    return mark_safe(f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
                     f'{shown}{attrs_html(widget["attrs"])}>')


def textarea_html(widget: dict) -> SafeString:
    value = widget["value"]
    return mark_safe(f'<textarea name="{_text(widget["name"])}"{attrs_html(widget["attrs"])}>'
                     f'\n{_text(value) if value else ""}</textarea>')


def select_html(widget: dict) -> SafeString:
    """As django/forms/widgets/select.html with its select_option.html for each option."""
    parts = []
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend(f'\n  <option value="{_text(option["value"])}"'
                     f'{attrs_html(option["attrs"])}>{_text(option["label"])}</option>\n'
                     for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe(f'<select name="{_text(widget["name"])}"{attrs_html(widget["attrs"])}>'
                     f'{"".join(parts)}\n</select>')


WRITERS = {
    **{f"django/forms/widgets/{kind}.html": input_html
       for kind in ("input", "text", "number", "hidden", "email", "url", "password")},
    "django/forms/widgets/textarea.html": textarea_html,
    "django/forms/widgets/select.html": select_html,
}


class PythonWidgets(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        if write is None:
            return super().render(template_name, context, request=request)
        return write(context["widget"])


# One instance: a renderer builds its template engine once (a form given the class would
# build one per form).
PYTHON_WIDGETS = PythonWidgets()
