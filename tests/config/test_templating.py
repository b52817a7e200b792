"""config.templating: {% url %} remembered, with Django's output and errors."""

import pytest
from django.template import Context, Engine, Template, engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix

from config import templating


def _render(source: str, request=None, **context) -> str:
    template = engines["django"].from_string(source)
    return template.render(context, request)


def test_the_project_templates_use_the_remembered_tag():
    engine = engines["django"].engine
    parsed = engine.from_string("{% url 'home' %}")
    assert isinstance(parsed.nodelist[0], templating.RememberedURLNode)


@pytest.mark.parametrize(("source", "expected"), [
    ("{% url 'annotations:verdict-submit' 7 %}", lambda: reverse("annotations:verdict-submit",
                                                                args=[7])),
    ("{% url 'annotations:verdict-submit' pk=7 %}", lambda: reverse(
        "annotations:verdict-submit", kwargs={"pk": 7})),
    ("{% url name n %}", lambda: reverse("annotations:verdict-submit", args=[12])),
    ("{% url 'home' as there %}[{{ there }}]", lambda: f"[{reverse('home')}]"),
    ("{% url 'no-such-view' as there %}[{{ there }}]", lambda: "[]"),
])
def test_the_same_output_as_djangos_tag_every_time(source, expected):
    djangos = Engine(builtins=[]).from_string(source)  # Django's own {% url %}
    for _ in range(3):
        context = {"name": "annotations:verdict-submit", "n": 12}
        assert _render(source, **context) == expected()
        assert _render(source, **context) == djangos.render(Context(context))


def test_remembered_answers_are_used_again():
    templating._reversed.cache_clear()
    for _ in range(4):
        _render("{% url 'annotations:verdict-submit' 41 %}")
    info = templating._reversed.cache_info()
    assert (info.misses, info.hits) == (1, 3)


def test_an_unknown_name_raises_each_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            _render("{% url 'no-such-view' %}")


def test_the_script_prefix_is_part_of_the_answer():
    try:
        set_script_prefix("/desk/")
        under_prefix = _render("{% url 'home' %}")
    finally:
        set_script_prefix("/")
    assert under_prefix == "/desk/"
    assert _render("{% url 'home' %}") == "/"


def test_an_argument_that_is_not_plain_goes_to_reverse_unremembered():
    class Number:  # not a str or an int: reverse() turns it into text
        def __str__(self):
            return "5"

    templating._reversed.cache_clear()
    assert _render("{% url 'annotations:article-detail' n %}", n=Number()) == (
        reverse("annotations:article-detail", args=[5]))
    assert templating._reversed.cache_info().currsize == 0


def test_the_namespace_of_the_current_request_counts():
    request = RequestFactory().get("/")
    request.current_app = "admin"
    assert _render("{% url 'admin:index' %}", request=request) == reverse("admin:index")


def test_autoescape_off_is_kept():
    source = "{% autoescape off %}{% url 'home' %}{% endautoescape %}"
    rendered = Template(source, engine=engines["django"].engine).render(Context({}))
    assert rendered == Engine(builtins=[]).from_string(source).render(Context({})) == "/"
