"""annotations.widgets writes what Django's widget templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from annotations.forms import ClaimAddForm, VerdictForm
from annotations.widgets import PYTHON_WIDGETS

TEXT = "The harbour office said on Monday that the quay would reopen."


class Widgets(forms.Form):
    """Widgets and values the review forms do not have (yet): the writers must match these
    too."""

    default_renderer = PYTHON_WIDGETS

    name = forms.CharField(initial='a "quoted" <b>name</b> & co', max_length=20,
                           help_text="Help", disabled=True)
    count = forms.IntegerField(initial=1234, min_value=0)
    email = forms.EmailField(required=False)
    link = forms.URLField(required=False, initial="https://example.org/?a=1&b=2")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="pw")
    hidden = forms.CharField(widget=forms.HiddenInput, initial="")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": True}),
                            initial="<script>alert(1)</script>\nline two")
    empty_notes = forms.CharField(widget=forms.Textarea, required=False)
    grouped = forms.ChoiceField(initial="b", choices=[
        ("Letters", [("a", "A & a"), ("b", "B")]), ("c", "C <c>"), ("", "none")])
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two")], initial=[2])
    maybe = forms.NullBooleanField()


def _forms():
    bound = VerdictForm({"expected_revision": "x", "rationale": 'a "quoted" <b>rationale</b>',
                         "evidence_links": "ftp://x\n<y>"})
    bound.is_valid()
    added = ClaimAddForm({"start": "3", "end": "1", "cue": "said", "kind": "nope"},
                         article_text=TEXT)
    added.is_valid()
    return [VerdictForm(initial={"expected_revision": 3, "claim_version": 2}), bound,
            ClaimAddForm(article_text=TEXT), added, Widgets(), Widgets({"count": "-1"})]


@pytest.mark.parametrize("form", _forms())
def test_the_python_widgets_write_what_djangos_templates_write(form):
    written = 0
    for field in form:
        python = field.as_widget()  # through the form's renderer, then through Django's
        form.renderer = DjangoTemplates()
        assert field.as_widget() == python, field.name
        form.renderer = PYTHON_WIDGETS
        written += field.widget_type in ("text", "number", "email", "url", "password",
                                         "hidden", "textarea", "select", "selectmultiple",
                                         "nullbooleanselect")
    assert written >= 3


def test_the_review_forms_render_their_widgets_in_python():
    assert VerdictForm().renderer is PYTHON_WIDGETS
    assert ClaimAddForm(article_text=TEXT).renderer is PYTHON_WIDGETS
