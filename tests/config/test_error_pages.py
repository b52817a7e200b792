import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client

HOME = '<a href="/">Back to the home page</a>'
ARTICLES = '<a href="/articles/">All articles</a>'


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_unknown_url_gets_the_not_found_page_with_a_way_back(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Page not found</h1>" in body
    assert "/no/such/page/" in body
    assert HOME in body
    assert ARTICLES in body
    assert "Log out rev1" in body  # the usual top bar: it is the app's page, signed in


@pytest.mark.django_db
def test_unknown_api_url_gets_a_json_404_with_its_detail_like_other_api_errors(api):
    for path in ("/api/nothing/", "/api/claims/1/nothing/", "/api/export/claims.xml"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        assert response.json() == {"detail": "Not found: no API endpoint at this address. "
                                             "The endpoints are listed at /api/."}
    # An unknown object of a known endpoint was JSON already (DRF's own 404), and so is a
    # method an endpoint does not take.
    assert api.get("/api/claims/999999/").json() == {"detail": "No Claim matches the given query."}
    refused = api.delete("/api/claims/")
    assert refused.status_code == 405
    assert refused.json() == {"detail": 'Method "DELETE" not allowed.'}


@pytest.mark.django_db
@pytest.mark.urls("tests.config.error_urls")
def test_permission_denied_gets_the_not_allowed_page(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/test-forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You are not allowed to do that" in body
    assert HOME in body
    assert ARTICLES in body


@pytest.mark.django_db
def test_failed_csrf_check_says_to_reload_the_page():
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # sets the CSRF cookie; the form's token is left out
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "reload the page" in body
    assert HOME in body


@pytest.mark.urls("tests.config.error_urls")
def test_server_error_gets_the_error_page_without_touching_the_database(client):
    # No django_db mark: any query while handling this request would fail the test.
    client.raise_request_exception = False
    response = client.get("/test-broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert HOME in body
    assert ARTICLES in body


@pytest.mark.urls("tests.config.error_urls")
def test_database_unavailable_gets_a_503_page_that_says_so_without_a_traceback(client):
    # No django_db mark: the page must not need the database it reports missing.
    client.raise_request_exception = False
    response = client.get("/test-database-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "<h1>The database is not answering</h1>" in body
    assert "a verdict or an article sent twice is stored once" in body
    assert "server closed the connection" not in body
    assert "Traceback" not in body
    assert HOME in body


@pytest.mark.urls("tests.config.error_urls")
def test_database_unavailable_gets_json_503_on_the_api(client):
    client.raise_request_exception = False
    response = client.get("/api/test-database-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The database is unavailable for a moment; nothing "
                                         "was done. Try the request again in a few seconds."}


@pytest.mark.urls("tests.config.error_urls")
def test_database_unavailable_answers_htmx_with_a_fragment(client):
    client.raise_request_exception = False
    response = client.get("/test-database-down/", HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="review-panel")
    assert response.status_code == 503
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="review-panel" class="alert htmx-error"')
    assert "The database is not answering" in body


def test_error_page_renders_with_the_empty_context_django_gives_it():
    body = render_to_string("500.html")
    assert "Something went wrong on our side" in body
    assert 'class="topbar"' in body


def test_favicon_ico_points_browsers_at_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")


def test_pages_link_the_svg_icon():
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in render_to_string(
        "500.html")


def test_an_htmx_request_for_a_missing_page_gets_a_fragment_that_keeps_its_target(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/no/such/page/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert response.status_code == 404
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results" class="alert htmx-error" role="alert">')
    assert 'class="topbar"' not in body
    assert "Page not found" in body
