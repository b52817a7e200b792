"""The review screens' template tags."""

import pytest

from annotations.forms import VerdictForm
from annotations.templatetags.review import input_tag


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
