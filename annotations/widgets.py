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

from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def attrs_html(attrs: dict) -> SafeString:
    """As django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing
    for False."""
    return mark_safe("".join(  # each piece is escaped by format_html
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False))


def input_html(widget: dict) -> SafeString:
    """As django/forms/widgets/input.html (text, number, hidden ... inputs, radio options)."""
    value = widget["value"]
    return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                       format_html(' value="{}"', value) if value is not None else "",
                       attrs_html(widget["attrs"]))


def textarea_html(widget: dict) -> SafeString:
    return format_html('<textarea name="{}"{}>\n{}</textarea>', widget["name"],
                       attrs_html(widget["attrs"]), widget["value"] or "")


def select_html(widget: dict) -> SafeString:
    """As django/forms/widgets/select.html with its select_option.html for each option."""
    parts = []
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts.extend(format_html('\n  <option value="{}"{}>{}</option>\n', option["value"],
                                 attrs_html(option["attrs"]), option["label"])
                     for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    return format_html('<select name="{}"{}>{}\n</select>', widget["name"],
                       attrs_html(widget["attrs"]), mark_safe("".join(parts)))


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
