"""Hostile and malformed input, one row per request, across every surface that takes input: the
article form (paste and upload), the claim edits, the verdict form, source edits, the leads'
forms, the reading pages' parameters, the API and the import command.

Each row says what is sent and the status expected: a refusal names the words the user reads in
the answer; an accepted input says what is stored. Every row also compares the row counts of
the domain and history tables before and after: a refusal changes none of them, an accepted
input exactly the ones it names. No row may answer 5xx.
"""

import codecs
import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.consensus import verdicts_token
from annotations.models import (
    ApiTokenName,
    Assignment,
    AssignmentChange,
    FinalVerdict,
    FinalVerdictChange,
    Verdict,
    VerdictRevision,
)
from annotations.services import verdict_submit
from annotations.tokens import token_create
from claims.access import LEAD
from claims.models import (
    Article,
    ArticleChange,
    Claim,
    ClaimChange,
    Source,
    SourceAlias,
    SourceChange,
    Span,
)
from claims.services import article_delete, source_resolve
from tests.factories import ArticleFactory, UserFactory, article_with_claims

pytestmark = pytest.mark.django_db

COUNTED = (Article, Claim, Span, Verdict, VerdictRevision, ClaimChange, ArticleChange, Source,
           SourceAlias, SourceChange, FinalVerdict, FinalVerdictChange, Assignment,
           AssignmentChange, ApiTokenName)
BIG = 2**63  # one past the largest 64-bit signed integer
MB = 1024 * 1024

# Fictional texts. Before the claim: a combining diaeresis (e + U+0308), a family emoji made of
# four code points joined by ZWJ, and a flag of two regional indicators.
EMOJI_TEXT = ("Zoe\u0308 Brandvik 👩\u200d👩\u200d👧 🇳🇴 said that the pier at Oddaneset was "
              "closed. Nobody else commented.")
EMOJI_CLAIM = "the pier at Oddaneset was closed"
RTL_TEXT = "ראש העירייה של גבעת-חול אמר שהגשר החדש ייפתח במאי. איש לא הגיב."
RTL_CLAIM = "שהגשר החדש ייפתח במאי"
MARKUP = '<script>alert("owned")</script><img src=x onerror=alert(1)> & <b>bold</b>'
SQL = "Robert'); DROP TABLE claims_article; -- ' OR '1'='1"


@dataclass
class Outcome:
    status: int
    text: str  # what the user reads: the page (entities decoded), the JSON, or the command output
    json: object = None


@dataclass
class Desk:
    reviewer: object
    lead: object
    other: object
    article: Article  # three open claims: the other reviewer's verdict on 0, mine on 1
    claims: list[Claim]
    deleted: Article
    deleted_claim: Claim
    final: Claim  # two agreeing verdicts: final
    disputed: Claim  # two disagreeing verdicts: waiting for a lead
    emoji: Article
    rtl: Article
    source: Source
    taken: Source
    web: Client
    lead_web: Client
    api: APIClient
    tmp_path: object


def _seen(response) -> Outcome:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    data = None
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(text)
        return Outcome(response.status_code, " ".join(_strings(data)), data)
    return Outcome(response.status_code, html.unescape(text), data)


def _strings(data) -> list[str]:
    """Every key and string value of a JSON document: what an API client reads."""
    if isinstance(data, dict):
        return [text for key, value in data.items() for text in (key, *_strings(value))]
    if isinstance(data, list):
        return [text for value in data for text in _strings(value)]
    return [str(data)]


def _client(user) -> Client:
    client = Client()
    client.raise_request_exception = False  # a server error is a 500 to see, as a browser sees it
    client.force_login(user)
    return client


@pytest.fixture
def desk(tmp_path) -> Desk:
    reviewer, other, third = (UserFactory(username=name) for name in ("rev1", "rev2", "rev3"))
    lead = UserFactory(username="lead1")
    lead.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    article = article_with_claims(3, title="Harbour dispatch")
    claims = list(article.claims.order_by("position"))
    verdict_submit(claim=claims[0], reviewer=other, label="confirmed", rationale="Theirs.")
    verdict_submit(claim=claims[1], reviewer=reviewer, label="contested", rationale="Mine.")
    deleted = article_with_claims(1, title="Withdrawn dispatch")
    deleted_claim = deleted.claims.get()
    article_delete(article=deleted, actor=lead, reason="duplicate")
    decided = article_with_claims(2, title="Decided dispatch")
    final, disputed = decided.claims.order_by("position")
    for claim, labels in ((final, ("confirmed", "confirmed")), (disputed, ("confirmed",
                                                                          "contested"))):
        for user, label in zip((other, third), labels, strict=True):
            verdict_submit(claim=claim, reviewer=user, label=label)
    final.refresh_from_db()
    assert final.status == Claim.Status.FINAL
    emoji = ArticleFactory(title="Pier", text=EMOJI_TEXT)
    rtl = ArticleFactory(title="גשר", text=RTL_TEXT)
    _, key = token_create(user=reviewer, name="bad input")
    api = APIClient()
    api.raise_request_exception = False
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return Desk(
        reviewer=reviewer, lead=lead, other=other, article=article, claims=claims,
        deleted=deleted, deleted_claim=deleted_claim, final=final, disputed=disputed,
        emoji=emoji, rtl=rtl, source=source_resolve(name="Harbour Board"),
        taken=source_resolve(name="Port Authority"), web=_client(reviewer),
        lead_web=_client(lead), api=api, tmp_path=tmp_path)


@dataclass(frozen=True)
class Row:
    id: str
    send: Callable[[Desk], Outcome]
    status: int
    says: str = ""
    stored: Callable[[Desk, Outcome], None] | None = None
    adds: dict[str, int] = field(default_factory=dict)


def _visible(text: str) -> str:
    """The words of a page (its main part, without markup), for a failure message."""
    main = text.split("<main", 1)[-1]
    return " ".join(re.sub(r"<[^>]*>", " ", main).split())[:1500]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


# --- How each surface is sent ---------------------------------------------------------------
def _post(who: str, url: Callable[[Desk], str], data: dict | Callable[[Desk], dict],
          **extra) -> Callable[[Desk], Outcome]:
    def send(d: Desk) -> Outcome:
        client = d.lead_web if who == "lead" else d.web
        return _seen(client.post(url(d), data(d) if callable(data) else data, **extra))
    return send


def _raw(url: Callable[[Desk], str], body: bytes, content_type: str,
         method: str = "POST") -> Callable[[Desk], Outcome]:
    return lambda d: _seen(d.web.generic(method, url(d), body, content_type=content_type))


def _get(url: Callable[[Desk], str], who: str = "reviewer", **extra) -> Callable[[Desk], Outcome]:
    return lambda d: _seen((d.lead_web if who == "lead" else d.web).get(url(d), **extra))


def _method(method: str, url: Callable[[Desk], str]) -> Callable[[Desk], Outcome]:
    return lambda d: _seen(d.web.generic(method, url(d)))


def _api(method: str, url: str | Callable[[Desk], str], data=None,
         **extra) -> Callable[[Desk], Outcome]:
    def send(d: Desk) -> Outcome:
        target = url(d) if callable(url) else url
        if method == "get":
            return _seen(d.api.get(target, **extra))
        return _seen(getattr(d.api, method)(target, data, **extra))
    return send


def _api_json(body: object) -> Callable[[Desk], Outcome]:
    return _api("post", "/api/articles/", json.dumps(body), content_type="application/json")


def _import(data: bytes, name: str = "articles.jsonl") -> Callable[[Desk], Outcome]:
    """manage.py import_articles on a file: exit status 0 or 1 as the outcome's status."""
    def send(d: Desk) -> Outcome:
        path = d.tmp_path / name
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_articles", str(path), "--quiet", stdout=out, stderr=err)
        except CommandError as exc:
            return Outcome(exc.returncode, f"{out.getvalue()}{err.getvalue()}{exc}")
        return Outcome(0, out.getvalue() + err.getvalue())
    return send


def _jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


ARTICLE_NEW = lambda d: reverse("claims:article-create")  # noqa: E731


def _paste(text: str, **fields) -> Callable[[Desk], Outcome]:
    return _post("reviewer", ARTICLE_NEW, {"text": text, **fields})


def _upload(content: bytes, name: str = "report.txt", **fields) -> Callable[[Desk], Outcome]:
    return lambda d: _seen(d.web.post(reverse("claims:article-create"), {
        "upload": SimpleUploadedFile(name, content, content_type="text/plain"), **fields}))


def _multipart(parts: list[tuple[str, bytes]], boundary: str = "Xb0undary") -> bytes:
    return b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    .encode() + value + b"\r\n" for name, value in parts
                    ) + f"--{boundary}--\r\n".encode()


def _urlencoded(**fields: bytes) -> bytes:
    return b"&".join(name.encode() + b"=" + "".join(f"%{b:02X}" for b in value).encode()
                     for name, value in fields.items())


def _last_article() -> Article:
    return Article.objects.order_by("-pk").first()


def _stored_text(expected: str) -> Callable[[Desk, Outcome], None]:
    def check(d: Desk, seen: Outcome) -> None:
        article = _last_article()
        assert article.text == expected
        # Queued, not run: the request never waits for extraction.
        assert article.segmentation_status == Article.Segmentation.PENDING
        assert not article.claims.exists()
    return check


def _both(*checks: Callable[[Desk, Outcome], None]) -> Callable[[Desk, Outcome], None]:
    def check(d: Desk, seen: Outcome) -> None:
        for one in checks:
            one(d, seen)
    return check


def _equal(value, expected) -> None:
    assert value == expected


def _shown_escaped(url: Callable[[Desk], str], raw: str, who: str = "reviewer"):
    """The page at url shows `raw` as text: escaped, never as markup."""
    def check(d: Desk, seen: Outcome | None = None) -> None:
        page = (d.lead_web if who == "lead" else d.web).get(url(d)).content.decode()
        assert html.escape(raw, quote=False) in page or html.escape(raw) in page
        assert raw not in page
    return check


def _article_stored(expected_text: str, **fields):
    def check(d: Desk, seen: Outcome) -> None:
        article = _last_article()
        assert article.text == expected_text
        for name, value in fields.items():
            assert getattr(article, name) == value
    return check


# --- The article form: paste ----------------------------------------------------------------
LIMIT = settings.CLAIMDESK_MAX_ARTICLE_BYTES
ONE_LINE = ("The tide gauge said nothing at all " * 30_000)[:LIMIT - 10]  # one line, ~1 MB
ARTICLE = "The ferry captain said on Monday that the crossing was calm."

PASTE_ROWS = [
    Row("paste-empty", _paste(""), 422, "Paste the article text or upload a .txt file."),
    Row("paste-whitespace-only", _paste(" \r\n\t\u00a0\u2003 \n"), 422,
        "Paste the article text or upload a .txt file."),
    Row("paste-over-the-size-limit", _paste("a" * (LIMIT + 1)), 422,
        f"The article text is {LIMIT + 1:,} bytes; the limit is {LIMIT:,} bytes."),
    Row("paste-nul-byte", _paste("The mayor said\x00 nothing."), 422,
        "Null characters are not allowed."),
    Row("paste-invalid-utf8-in-text-field",
        _raw(ARTICLE_NEW, _urlencoded(text=b"The mill owner said the caf\xe9 would close."),
             "application/x-www-form-urlencoded"), 422, "The pasted text is not valid UTF-8"),
    Row("paste-invalid-utf8-in-title-field",
        _raw(ARTICLE_NEW, _urlencoded(title=b"Caf\xe9 closes", text=ARTICLE.encode()),
             "application/x-www-form-urlencoded"), 422,
        "This text is not valid UTF-8: it contains"),
    Row("paste-crlf", _paste("First line said.\r\nSecond line.\r\n"), 302,
        stored=_stored_text("First line said.\nSecond line.\n"), adds={"Article": 1}),
    Row("paste-lone-cr", _paste("First line said.\rSecond line.\r"), 302,
        stored=_stored_text("First line said.\nSecond line.\n"), adds={"Article": 1}),
    Row("paste-right-to-left", _paste(RTL_TEXT + " \u200fנוסף.", title="\u202eevil.txt"), 302,
        stored=_article_stored(RTL_TEXT + " \u200fנוסף.", title="\u202eevil.txt"),
        adds={"Article": 1}),
    Row("paste-one-line-of-a-megabyte", _paste(ONE_LINE), 302, stored=_stored_text(ONE_LINE),
        adds={"Article": 1}),
    Row("paste-only-quotation-marks", _paste('"“”«»„‟' * 40_000), 302,
        stored=_stored_text('"“”«»„‟' * 40_000), adds={"Article": 1}),
    Row("paste-only-attributions", _paste("He said, she said, they told us, sources say. "
                                          * 15_000), 302,
        stored=_stored_text("He said, she said, they told us, sources say. " * 15_000),
        adds={"Article": 1}),
    Row("paste-html-and-script-markup", _paste(f"{MARKUP} The mayor said so.", title=MARKUP),
        302, adds={"Article": 1}, stored=_both(
            _article_stored(f"{MARKUP} The mayor said so.", title=MARKUP),
            _shown_escaped(lambda d: _last_article().get_absolute_url(), MARKUP))),
    Row("paste-sql-looking-strings", _paste(f"{SQL} said the clerk.", title=SQL, outlet=SQL),
        302, adds={"Article": 1},
        stored=_article_stored(f"{SQL} said the clerk.", title=SQL, outlet=SQL)),
    Row("paste-title-too-long", _paste(ARTICLE, title="T" * 501), 422,
        "Ensure this value has at most 500 characters (it has 501)."),
    Row("paste-javascript-url", _paste(ARTICLE, url="javascript:alert(1)"), 422,
        "Enter a valid URL."),
    Row("paste-impossible-date", _paste(ARTICLE, published_on="2025-02-30"), 422,
        "Enter a valid date."),
    Row("paste-text-of-a-deleted-article", lambda d: _paste(d.deleted.text)(d), 422,
        "which was deleted; nothing was saved"),
]

# --- The article form: upload ---------------------------------------------------------------
UPLOAD_ROWS = [
    Row("upload-invalid-utf8", _upload(b"The mill owner said the caf\xe9 would close."), 422,
        "report.txt is not valid UTF-8 text (bad byte at position 27)"),
    Row("upload-utf16-le-with-bom", _upload(codecs.BOM_UTF16_LE
                                            + "Zoë said the ferry ran.\r\n".encode("utf-16-le")),
        302, stored=_stored_text("Zoë said the ferry ran.\n"), adds={"Article": 1}),
    Row("upload-utf16-be-with-bom", _upload(codecs.BOM_UTF16_BE
                                            + "Zoë said the ferry ran.".encode("utf-16-be")),
        302, stored=_stored_text("Zoë said the ferry ran."), adds={"Article": 1}),
    Row("upload-utf16-without-bom", _upload("The ferry ran.".encode("utf-16-le")), 422,
        "report.txt contains NUL bytes: it looks like UTF-16 without a byte-order mark"),
    Row("upload-utf8-with-bom-and-crlf", _upload(codecs.BOM_UTF8 + b"One said.\r\nTwo.\r\n"),
        302, stored=_stored_text("One said.\nTwo.\n"), adds={"Article": 1}),
    Row("upload-nul-byte", _upload(b"The mayor said\x00 nothing."), 422,
        "report.txt contains NUL bytes"),
    Row("upload-empty-file", _upload(b""), 422, "The submitted file is empty."),
    Row("upload-not-a-txt-file", _upload(b"%PDF-1.7", name="report.pdf"), 422,
        "report.pdf is not a .txt file; upload plain text."),
    Row("upload-and-paste-together", lambda d: _upload(b"One said so.", text="Two said so.")(d),
        422, "Paste the text or upload a file, not both."),
    Row("upload-over-the-size-limit", _upload(b"a" * (LIMIT + 4)), 422,
        f"report.txt is {LIMIT + 4:,} bytes; the limit is {LIMIT:,} bytes."),
    # Refused from its Content-Length, before a byte is read or spooled (config/uploads.py).
    Row("upload-a-50-mb-file", _upload(b"a" * (50 * MB)), 413, "That request was too large"),
]

# --- Bodies Django refuses before any form sees them ----------------------------------------
BODY_ROWS = [
    Row("body-of-50-mb-urlencoded", _raw(ARTICLE_NEW, b"text=" + b"a" * (50 * MB),
                                         "application/x-www-form-urlencoded"), 413,
        "That request was too large"),
    Row("body-of-50-mb-multipart-field", _raw(ARTICLE_NEW, _multipart([("text", b"a" * (50 * MB))]),
                                              "multipart/form-data; boundary=Xb0undary"), 413,
        "That request was too large"),
    Row("body-too-many-fields", _raw(ARTICLE_NEW, b"&".join(b"f%d=1" % i for i in range(1200)),
                                     "application/x-www-form-urlencoded"), 400,
        "That request could not be accepted"),
    Row("body-broken-multipart", _raw(ARTICLE_NEW, b"--Xb0undary\r\nContent-Disposition: form-"
                                      b"data; name=\"text\"\r\n\r\nThe mayor said",
                                      "multipart/form-data; boundary=Xb0undary"), 400,
        "That request could not be accepted"),
    Row("body-multipart-without-boundary", _raw(ARTICLE_NEW, b"text=abc", "multipart/form-data"),
        400, "That request could not be accepted"),
]

# --- Adding a claim and editing its spans ---------------------------------------------------
CLAIM_ADD = lambda d: reverse("annotations:claim-add", args=[d.article.pk])  # noqa: E731
SPANS = lambda d: reverse("annotations:claim-spans", args=[d.claims[2].pk])  # noqa: E731


def _add(**fields) -> Callable[[Desk], Outcome]:
    return _post("reviewer", CLAIM_ADD, {"cue": "said", "kind": "indirect", **fields})


def _spans(**fields) -> Callable[[Desk], Outcome]:
    return _post("reviewer", SPANS, {"role": "content", "version": 1, **fields})


def _highlighted(page: str, role: str) -> str:
    """The text of the selected claim's highlights of one role, as the page shows it."""
    spans = re.findall(rf'<span class="[^"]*\bsel-{role}\b[^"]*" data-start[^>]*>([^<]*)</span>',
                       page)
    return html.unescape("".join(spans))


def _claim_added_exactly(article: Callable[[Desk], Article], content: str, cue: str):
    def check(d: Desk, seen: Outcome) -> None:
        text = article(d).text
        claim = Claim.objects.order_by("-pk").first()
        spans = {s.role: (s.start, s.end) for s in claim.spans.all()}
        start = text.index(content)
        assert spans["content"] == (start, start + len(content))  # code points
        assert text[slice(*spans["cue"])] == cue
        page = d.web.get(claim.get_absolute_url()).content.decode()
        assert _highlighted(page, "content") == content
        assert _highlighted(page, "cue") == cue
    return check


CLAIM_ROWS = [
    Row("claim-add-negative-start", _add(start=-1, end=5), 422,
        "Start offset: Ensure this value is greater than or equal to 0."),
    Row("claim-add-reversed-span", _add(start=30, end=20), 422,
        "The selection [30, 20] ends before it starts"),
    Row("claim-add-zero-length-span", _add(start=20, end=20), 422,
        "The selection [20, 20] is empty"),
    Row("claim-add-past-the-end", lambda d: _add(start=0, end=len(d.article.text) + 1)(d), 422,
        "is outside the article text"),
    Row("claim-add-offset-2-to-the-63", _add(start=0, end=BIG), 422,
        f"The selection [0, {BIG}] is outside the article text"),
    Row("claim-add-both-offsets-past-2-to-the-63", _add(start=BIG, end=BIG + 1), 422,
        "is outside the article text"),
    Row("claim-add-offset-of-5000-digits", _add(start=0, end="9" * 5000), 422,
        "End offset: Enter a whole number."),
    Row("claim-add-offset-not-a-number", _add(start="ten", end=20), 422,
        "Start offset: Enter a whole number."),
    Row("claim-add-white-space-selection",
        lambda d: _add(start=d.article.text.index(" "), end=d.article.text.index(" ") + 1)(d),
        422, "The selection is only white space."),
    Row("claim-add-cue-not-in-text", _add(text="the pier number 1 was closed", cue="whispered"),
        422, "“whispered” does not occur in the article text."),
    Row("claim-add-unknown-kind", _add(text="the pier number 1 was closed", kind="rumour"), 422,
        "Select a valid choice. rumour is not one of the available choices."),
    Row("claim-add-on-a-deleted-article",
        lambda d: _seen(d.web.post(reverse("annotations:claim-add", args=[d.deleted.pk]),
                                   {"text": "was closed", "cue": "said"})), 404,
        "Page not found"),
    Row("claim-add-after-combining-characters-and-emoji",
        lambda d: _post("reviewer", lambda d: reverse("annotations:claim-add", args=[d.emoji.pk]),
                        {"start": EMOJI_TEXT.index(EMOJI_CLAIM),
                         "end": EMOJI_TEXT.index(EMOJI_CLAIM) + len(EMOJI_CLAIM),
                         "cue": "said", "source": "Zoe\u0308 Brandvik", "kind": "indirect"})(d),
        302, stored=_claim_added_exactly(lambda d: d.emoji, EMOJI_CLAIM, "said"),
        adds={"Claim": 1, "Span": 3, "ClaimChange": 1, "Source": 1}),
    Row("claim-add-in-right-to-left-text",
        lambda d: _post("reviewer", lambda d: reverse("annotations:claim-add", args=[d.rtl.pk]),
                        {"text": RTL_CLAIM, "cue": "אמר", "kind": "indirect"})(d),
        302, stored=_claim_added_exactly(lambda d: d.rtl, RTL_CLAIM, "אמר"),
        adds={"Claim": 1, "Span": 2, "ClaimChange": 1}),
    Row("spans-negative", _spans(start=-5, end=10), 422,
        "Start offset: Ensure this value is greater than or equal to 0."),
    Row("spans-reversed", _spans(start=40, end=30), 422,
        "The selection [40, 30] ends before it starts"),
    Row("spans-zero-length", _spans(start=30, end=30), 422, "The selection [30, 30] is empty"),
    Row("spans-past-the-end", lambda d: _spans(start=10, end=len(d.article.text) + 5)(d), 422,
        "is outside the article text"),
    Row("spans-offset-2-to-the-63", _spans(start=BIG - 1, end=BIG), 422,
        "is outside the article text"),
    Row("spans-unknown-role", _spans(role="speaker", start=0, end=5), 422,
        "Select a valid choice. speaker is not one of the available choices."),
    Row("spans-stale-version", _spans(version=7, start=0, end=8), 409,
        "This claim was changed elsewhere since you opened it (now version 1, you saw 7)"),
    Row("spans-version-2-to-the-63", _spans(version=BIG, start=0, end=8), 409,
        "This claim was changed elsewhere since you opened it"),
    Row("spans-version-missing", _spans(version="", start=0, end=8), 422,
        "version: This field is required."),
    Row("spans-of-a-claim-in-a-deleted-article",
        lambda d: _seen(d.web.post(reverse("annotations:claim-spans", args=[d.deleted_claim.pk]),
                                   {"role": "content", "version": 1, "start": 0, "end": 5})),
        404, "Page not found"),
    Row("spans-of-a-final-claim",
        lambda d: _seen(d.web.post(reverse("annotations:claim-spans", args=[d.final.pk]),
                                   {"role": "content", "version": d.final.version, "start": 0,
                                    "end": 8})), 422, "This claim has its final verdict"),
    Row("spans-sql-looking-exact-text", _spans(text="' OR 1=1; --"), 422,
        "“' OR 1=1; --” does not occur in the article text."),
]

# --- The verdict form -----------------------------------------------------------------------
def _verdict(claim: Callable[[Desk], Claim] = lambda d: d.claims[2], who: str = "reviewer",
             **fields) -> Callable[[Desk], Outcome]:
    base = {"label": "confirmed", "rationale": "", "evidence_links": "", "source_correct": "",
            "content_correct": "", "expected_revision": 0, "claim_version": 1}
    return _post(who, lambda d: reverse("annotations:verdict-submit", args=[claim(d).pk]),
                 {**base, **fields})


def _my_verdict(d: Desk, claim: Claim | None = None) -> Verdict:
    return Verdict.objects.get(claim=claim or d.claims[2], reviewer=d.reviewer)


def _rationale_stored(expected: str):
    def check(d: Desk, seen: Outcome) -> None:
        assert _my_verdict(d).rationale == expected
        assert _my_verdict(d).history.get().rationale == expected
        _shown_escaped(lambda d: d.claims[2].get_absolute_url(), expected)(d)
    return check


def _others_verdict_untouched(d: Desk, seen: Outcome) -> None:
    theirs = Verdict.objects.get(claim=d.claims[0], reviewer=d.other)
    assert (theirs.label, theirs.rationale, theirs.revision) == ("confirmed", "Theirs.", 1)
    assert _my_verdict(d, d.claims[0]).label == "contested"


VERDICT = {"Verdict": 1, "VerdictRevision": 1}
VERDICT_ROWS = [
    Row("verdict-missing-label", _verdict(label=""), 422,
        "Pick a label: 1 confirmed, 2 contested, 3 unverifiable."),
    Row("verdict-unknown-label", _verdict(label="true"), 422,
        "Select a valid choice. true is not one of the available choices."),
    Row("verdict-rationale-too-long", _verdict(rationale="r" * 10_001), 422,
        "Ensure this value has at most 10000 characters (it has 10001)."),
    Row("verdict-rationale-nul-byte", _verdict(rationale="Checked\x00 it."), 422,
        "Null characters are not allowed."),
    Row("verdict-rationale-invalid-utf8",
        lambda d: _raw(lambda d: reverse("annotations:verdict-submit", args=[d.claims[2].pk]),
                       _urlencoded(label=b"confirmed", expected_revision=b"0",
                                   rationale=b"Caf\xe9 owner denies it."),
                       "application/x-www-form-urlencoded")(d), 422,
        "This text is not valid UTF-8: it contains"),
    Row("verdict-javascript-evidence-link",
        _verdict(evidence_links="https://ok.example/a\njavascript:alert(document.cookie)"), 422,
        "“javascript:alert(document.cookie)” is not a valid http or https link."),
    Row("verdict-data-evidence-link", _verdict(evidence_links="data:text/html,<script>x</script>"),
        422, "is not a valid http or https link."),
    Row("verdict-21-evidence-links",
        _verdict(evidence_links="\n".join(f"https://e.example/{i}" for i in range(21))), 422,
        "At most 20 evidence links per verdict."),
    Row("verdict-negative-revision", _verdict(expected_revision=-1), 422,
        "Ensure this value is greater than or equal to 0."),
    Row("verdict-revision-2-to-the-63", _verdict(expected_revision=BIG), 409,
        f"(now revision 0, you saw {BIG})"),
    Row("verdict-claim-version-2-to-the-63", _verdict(claim_version=BIG), 409,
        f"(now version 1, you saw {BIG})"),
    Row("verdict-check-not-a-choice", _verdict(source_correct="maybe"), 422,
        "Select a valid choice. maybe is not one of the available choices."),
    Row("verdict-html-and-script-markup", _verdict(rationale=MARKUP), 302,
        stored=_rationale_stored(MARKUP), adds=VERDICT),
    Row("verdict-sql-looking-rationale", _verdict(rationale=SQL), 302,
        stored=_rationale_stored(SQL), adds=VERDICT),
    Row("verdict-beside-another-reviewers-verdict",
        _verdict(claim=lambda d: d.claims[0], label="contested"), 302,
        stored=_others_verdict_untouched, adds=VERDICT),
    Row("verdict-on-a-deleted-article", _verdict(claim=lambda d: d.deleted_claim), 404,
        "Page not found"),
    Row("verdict-on-a-claim-that-does-not-exist",
        lambda d: _seen(d.web.post(reverse("annotations:verdict-submit", args=[BIG]),
                                   {"label": "confirmed", "expected_revision": 0})), 404,
        "Page not found"),
    Row("verdict-on-a-final-claim", _verdict(claim=lambda d: d.final), 422,
        "This claim has its final verdict; a lead can reopen it."),
    Row("verdict-get", _method("GET", lambda d: reverse("annotations:verdict-submit",
                                                        args=[d.claims[2].pk])), 405,
        "This address does not take GET requests"),
    Row("verdict-put", _method("PUT", lambda d: reverse("annotations:verdict-submit",
                                                        args=[d.claims[2].pk])), 405,
        "This address does not take PUT requests"),
]

# --- Source entities ------------------------------------------------------------------------
SOURCE_EDIT = lambda d: reverse("annotations:source-edit", args=[d.source.pk])  # noqa: E731
CLAIM_SOURCE = lambda d: reverse("annotations:claim-source", args=[d.claims[2].pk])  # noqa: E731


def _source_edit(who: str = "lead", **fields) -> Callable[[Desk], Outcome]:
    return _post(who, SOURCE_EDIT, lambda d: {"kind": "person", "claim": d.claims[2].pk,
                                              **fields})


def _source_named(expected: str):
    def check(d: Desk, seen: Outcome) -> None:
        d.source.refresh_from_db()
        assert d.source.name == expected
        _shown_escaped(lambda d: d.claims[2].get_absolute_url(), expected, who="lead")(d)
    return check


SOURCE_ROWS = [
    Row("source-rename-empty", _source_edit(name=""), 422,
        "The source entity was not changed: Entity name: This field is required."),
    Row("source-rename-punctuation-only", _source_edit(name=" ,.;- "), 422,
        "The name is empty once normalised"),
    Row("source-rename-too-long", _source_edit(name="N" * 301), 422,
        "Ensure this value has at most 300 characters (it has 301)."),
    Row("source-unknown-kind", _source_edit(name="Harbour Board", kind="alien"), 422,
        "Select a valid choice. alien is not one of the available choices."),
    Row("source-name-of-another-entity", _source_edit(name="port authority"), 422,
        "is already a name or alias of another source entity, 'Port Authority'"),
    Row("source-rename-by-a-reviewer", _source_edit(who="reviewer", name="Harbour Council"), 403,
        "You are not allowed to do that"),
    Row("source-that-does-not-exist",
        lambda d: _seen(d.lead_web.post(reverse("annotations:source-edit", args=[BIG]),
                                        {"name": "x", "kind": "person"})), 404,
        "Page not found"),
    Row("source-sql-looking-name", _source_edit(name=SQL), 302, stored=_source_named(SQL),
        adds={"SourceChange": 2, "SourceAlias": 1}),
    Row("source-markup-name", _source_edit(name=MARKUP), 302, stored=_source_named(MARKUP),
        adds={"SourceChange": 2, "SourceAlias": 1}),
    Row("claim-source-unknown-entity",
        _post("reviewer", CLAIM_SOURCE, {"name": "Nobody Known", "action": "set", "version": 1}),
        422, "No source entity is called “Nobody Known” (name or alias)."),
    Row("claim-source-unknown-action",
        _post("reviewer", CLAIM_SOURCE, {"name": "Harbour Board", "action": "explode",
                                         "version": 1}),
        422, "Select a valid choice. explode is not one of the available choices."),
]

# --- The leads' forms -----------------------------------------------------------------------
ADJUDICATE = lambda d: reverse("annotations:lead-adjudicate", args=[d.disputed.pk])  # noqa: E731


def _token(d: Desk) -> str:
    return verdicts_token(claim_id=d.disputed.pk)


def _adjudicate(who: str = "lead", **fields) -> Callable[[Desk], Outcome]:
    return _post(who, ADJUDICATE, lambda d: {"label": "confirmed", "reason_code": "reviewer_error",
                                             "reason": "", "token": _token(d), **fields})


def _reopen(claim: Callable[[Desk], Claim], **fields) -> Callable[[Desk], Outcome]:
    return _post("lead", lambda d: reverse("annotations:lead-reopen", args=[claim(d).pk]),
                 fields)


def _assign(article: Callable[[Desk], Article] = lambda d: d.article,
            **fields) -> Callable[[Desk], Outcome]:
    return _post("lead", lambda d: reverse("annotations:article-assign", args=[article(d).pk]),
                 fields)


LEAD_ROWS = [
    Row("adjudicate-without-token", _adjudicate(token=""), 422,
        "The form lost track of the verdicts it showed: reload the page."),
    Row("adjudicate-forged-token", _adjudicate(token="1:999.1' OR 1=1"), 409,
        "The reviewers' verdicts on this claim changed since you opened the page"),
    Row("adjudicate-unknown-label", _adjudicate(label="mostly-true"), 422,
        "Unknown label: use confirmed, contested or unverifiable."),
    Row("adjudicate-unknown-reason", _adjudicate(reason_code="vibes"), 422,
        "Unknown reason: use one from the list."),
    Row("adjudicate-guideline-gap-unexplained", _adjudicate(reason_code="guideline_gap"), 422,
        "needs an explanation"),
    Row("adjudicate-explanation-too-long", _adjudicate(reason="x" * 2001), 422,
        "Ensure this value has at most 2000 characters (it has 2001)."),
    Row("adjudicate-by-a-reviewer", _adjudicate(who="reviewer"), 403,
        "You are not allowed to do that"),
    Row("adjudicate-a-claim-without-disagreement",
        _post("lead", lambda d: reverse("annotations:lead-adjudicate", args=[d.claims[2].pk]),
              lambda d: {"label": "confirmed", "reason_code": "reviewer_error",
                         "token": "1:"}), 409, "This claim no longer needs adjudication"),
    Row("adjudicate-markup-explanation", _adjudicate(reason=MARKUP), 302,
        adds={"FinalVerdict": 1, "FinalVerdictChange": 1, "ClaimChange": 1},
        stored=_both(lambda d, seen: _equal(FinalVerdict.objects.get(claim=d.disputed).reason,
                                            MARKUP),
                     _shown_escaped(lambda d: d.disputed.get_absolute_url(), MARKUP, who="lead"))),
    Row("reopen-without-reason", _reopen(lambda d: d.final, reason="  "), 422,
        "Say why the final verdict is reopened."),
    Row("reopen-a-claim-that-is-not-final", _reopen(lambda d: d.claims[2], reason="Why not"),
        409, "This claim has no final verdict to reopen"),
    Row("reopen-a-claim-in-a-deleted-article", _reopen(lambda d: d.deleted_claim, reason="x"),
        404, "Page not found"),
    Row("assign-a-reviewer-id-that-is-not-a-number", _assign(reviewers=["abc"]), 422,
        "“abc” is not a reviewer of this desk."),
    Row("assign-a-reviewer-id-of-2-to-the-63", _assign(reviewers=[str(BIG)]), 422,
        f"{BIG} is not a reviewer of this desk."),
    Row("assign-reason-too-long", lambda d: _assign(reviewers=[d.reviewer.pk],
                                                    reason="r" * 201)(d), 422,
        "Ensure this value has at most 200 characters (it has 201)."),
    Row("assign-on-a-deleted-article", _assign(article=lambda d: d.deleted, reviewers=[]), 404,
        "Page not found"),
    Row("assign-put", _method("PUT", lambda d: reverse("annotations:article-assign",
                                                       args=[d.article.pk])), 405,
        "This address does not take PUT requests"),
]

# --- API tokens -----------------------------------------------------------------------------
TOKENS = lambda d: reverse("account-tokens")  # noqa: E731


def _others_token(d: Desk) -> int:
    token_create(user=d.other, name="Theirs")
    return ApiTokenName.objects.get(name="Theirs").pk


TOKEN_ROWS = [
    Row("token-revoke-another-reviewers-token",
        lambda d: _post("reviewer", TOKENS, {"action": "revoke", "token": _others_token(d)})(d),
        404, "No such token among yours: nothing was revoked.", adds={"ApiTokenName": 1}),
    Row("token-revoke-id-of-2-to-the-63", _post("reviewer", TOKENS, {"action": "revoke",
                                                                      "token": BIG}),
        404, "No such token among yours: nothing was revoked."),
    Row("token-name-with-markup", _post("reviewer", TOKENS, {"name": MARKUP}), 200,
        "Copy it now", adds={"ApiTokenName": 1},
        stored=_both(lambda d, seen: ApiTokenName.objects.get(name=MARKUP),
                     _shown_escaped(TOKENS, MARKUP))),
]

# --- Reading pages: their parameters --------------------------------------------------------
PAGE = lambda d: d.article.get_absolute_url()  # noqa: E731
HTMX = {"HTTP_HX_REQUEST": "true"}
READING_ROWS = [
    Row("text-block-negative-range", _get(lambda d: PAGE(d) + "?text=-5-10", **HTMX), 400,
        "Bad text range."),
    Row("text-block-range-of-2-to-the-63", _get(lambda d: f"{PAGE(d)}?text=0-{BIG}", **HTMX), 400,
        "Bad text range."),
    Row("claim-list-cursor-garbage", _get(lambda d: PAGE(d) + "?list_after=abc", **HTMX), 400,
        "Bad list cursor."),
    Row("claim-list-cursor-of-2-to-the-63", _get(lambda d: f"{PAGE(d)}?list_after={BIG}.{BIG}",
                                                 **HTMX), 200),
    Row("article-page-claim-id-of-2-to-the-63", _get(lambda d: f"{PAGE(d)}?claim={BIG}"), 200,
        "Harbour dispatch"),
    Row("article-list-page-beyond-the-last", _get(lambda d: "/articles/?page=99999999999999"), 200,
        "Harbour dispatch"),
    Row("article-list-sql-looking-search", _get(lambda d: "/articles/?q=%27%20OR%201%3D1%20--"),
        200, "No article matches these filters."),
    Row("article-list-impossible-filters",
        _get(lambda d: "/articles/?published_on_after=2025-13-45&segmentation_status=exploded"),
        200, "Enter a valid date."),
    Row("article-page-of-a-deleted-article", _get(lambda d: d.deleted.get_absolute_url()), 404,
        "Page not found"),
    Row("export-article-id-of-2-to-the-63",
        _get(lambda d: reverse("annotations:export-jsonl") + f"?article={BIG}"), 400,
        "article Ensure this value is less than or equal to 9223372036854775807."),
    Row("export-date-not-iso",
        _get(lambda d: reverse("annotations:export-jsonl") + "?finalised_after=last+week"),
        400, "finalised_after Enter a valid date/time."),
    Row("export-unknown-kind", _get(lambda d: reverse("annotations:export-csv") + "?kind=rumour"),
        400, "kind Select a valid choice. rumour is not one of the available choices."),
    Row("article-list-post", _method("POST", lambda d: "/articles/"), 405,
        "This address does not take POST requests"),
    Row("article-form-put", _method("PUT", ARTICLE_NEW), 405,
        "This address does not take PUT requests"),
]

# --- The API --------------------------------------------------------------------------------
ARTICLES = "/api/articles/"


def _api_article(text: str, **fields):
    def check(d: Desk, seen: Outcome) -> None:
        article = Article.objects.get(pk=seen.json["id"])
        assert article.text == text
        assert seen.json["text"] == text
        for name, value in fields.items():
            assert getattr(article, name) == value
            assert seen.json[name] == value
    return check


def _page_of(size: int, listed=lambda: Article.objects.filter(deleted_at=None)):
    """The page holds `size` rows, or every row the list has (`listed`) when there are fewer."""
    def check(d: Desk, seen: Outcome) -> None:
        assert len(seen.json["results"]) == min(size, listed().count())
    return check


API_ROWS = [
    Row("api-malformed-json", _api("post", ARTICLES, b'{"text": "unterminated',
                                   content_type="application/json"), 400, "JSON parse error"),
    Row("api-json-array-not-object", _api_json([{"text": ARTICLE}]), 400,
        "Invalid data. Expected a dictionary, but got list."),
    Row("api-text-a-number", _api_json({"text": 42}), 400, "Not a valid string."),
    Row("api-text-a-list", _api_json({"text": ["a", "b"]}), 400, "Not a valid string."),
    Row("api-text-an-object", _api_json({"text": {"body": ARTICLE}}), 400,
        "Not a valid string."),
    Row("api-title-a-boolean", _api_json({"text": ARTICLE, "title": True}), 400,
        "Not a valid string."),
    Row("api-text-null", _api_json({"text": None}), 400, "This field may not be null."),
    Row("api-text-missing", _api_json({"title": "No text"}), 400, "This field is required."),
    Row("api-text-empty", _api_json({"text": ""}), 400, "This field may not be blank."),
    Row("api-text-whitespace-only", _api_json({"text": " \n\t "}), 400,
        "The article text is empty."),
    Row("api-text-over-the-size-limit", _api_json({"text": "a" * (LIMIT + 1)}), 400,
        f"the limit is {LIMIT:,} bytes"),
    Row("api-text-nul-byte", _api_json({"text": "The mayor said\x00 no."}), 400,
        "Null characters are not allowed."),
    Row("api-text-lone-surrogate", _api("post", ARTICLES, b'{"text": "Caf\\ud800 said no."}',
                                        content_type="application/json"), 400,
        "Surrogate characters are not allowed: U+D800."),
    Row("api-title-lone-surrogate", _api("post", ARTICLES,
                                         b'{"text": "The mayor said no.", "title": "\\udfff"}',
                                         content_type="application/json"), 400,
        "Surrogate characters are not allowed: U+DFFF."),
    Row("api-unknown-fields", _api_json({"text": ARTICLE, "titel": "Typo", "claims": []}), 400,
        "titel Unknown field: the fields are text, title, outlet, url, published_on, language."),
    Row("api-date-a-number", _api_json({"text": ARTICLE, "published_on": 20250314}), 400,
        "Date has wrong format."),
    Row("api-javascript-url", _api_json({"text": ARTICLE, "url": "javascript:alert(1)"}), 400,
        "Enter a valid URL."),
    Row("api-crlf-and-lone-cr", _api_json({"text": "One said.\r\nTwo.\rThree."}), 201,
        stored=_api_article("One said.\nTwo.\nThree."), adds={"Article": 1}),
    Row("api-markup-stored-faithfully", _api_json({"text": f"{MARKUP} said.", "title": MARKUP}),
        201, stored=_api_article(f"{MARKUP} said.", title=MARKUP), adds={"Article": 1}),
    Row("api-emoji-and-right-to-left", _api_json({"text": EMOJI_TEXT + " " + RTL_TEXT + " 2",
                                                  "title": "👩\u200d👩\u200d👧 \u202eabc"}),
        201, stored=_api_article(EMOJI_TEXT + " " + RTL_TEXT + " 2",
                                 title="👩\u200d👩\u200d👧 \u202eabc"), adds={"Article": 1}),
    Row("api-text-of-a-deleted-article", lambda d: _api_json({"text": d.deleted.text})(d), 400,
        "which was deleted; nothing was saved"),
    Row("api-body-of-50-mb", _api("post", ARTICLES, b'{"text": "' + b"a" * (50 * MB) + b'"}',
                                  content_type="application/json"), 413,
        "The request body is 52,428,812 bytes; the limit is 4,000,000 bytes. Nothing was saved."),
    Row("api-broken-multipart", _api("post", ARTICLES, b"--Xb0undary\r\nContent-Dispos",
                                     content_type="multipart/form-data; boundary=Xb0undary"),
        400, "Multipart form parse error"),
    Row("api-plain-text-body", _api("post", ARTICLES, ARTICLE, content_type="text/plain"), 415,
        'Unsupported media type "text/plain" in request.'),
    Row("api-page-size-oversized", _api("get", ARTICLES + "?page_size=1000000000"), 200,
        stored=_page_of(500)),
    Row("api-page-size-2-to-the-63", _api("get", f"{ARTICLES}?page_size={BIG}"), 200,
        stored=_page_of(500)),
    Row("api-page-size-negative", _api("get", ARTICLES + "?page_size=-3"), 200,
        stored=_page_of(100)),
    Row("api-sql-looking-cursor", _api("get", ARTICLES + "?cursor=%27%20OR%201%3D1"), 400,
        "This cursor is not one this list gave out"),
    Row("api-cursor-not-base64", _api("get", ARTICLES + "?cursor=%FF%FE"), 400,
        "This cursor is not one this list gave out"),
    Row("api-deleted-article", _api("get", lambda d: f"{ARTICLES}{d.deleted.pk}/"), 404,
        "No Article matches the given query."),
    Row("api-article-id-of-2-to-the-63", _api("get", f"{ARTICLES}{BIG}/"), 404,
        "No Article matches the given query."),
    Row("api-put", _api("put", lambda d: f"{ARTICLES}{d.article.pk}/", {"text": "x"}), 405,
        'Method "PUT" not allowed.'),
    Row("api-delete", _api("delete", lambda d: f"{ARTICLES}{d.article.pk}/"), 405,
        'Method "DELETE" not allowed.'),
]

# --- The API: verdicts ----------------------------------------------------------------------
VERDICTS = "/api/verdicts/"


def _api_verdict(claim: Callable[[Desk], object] = lambda d: d.claims[2].pk,
                 **fields) -> Callable[[Desk], Outcome]:
    """POST /api/verdicts/ with the reviewer's token: a first verdict on the desk's third claim,
    with `fields` changed (OMIT leaves one out); `claim` gives the value sent as the claim."""
    def send(d: Desk) -> Outcome:
        body = {"claim": claim(d), "label": "confirmed", "claim_version": 1,
                "expected_revision": 0, **fields}
        return _seen(d.api.post(VERDICTS, json.dumps({k: v for k, v in body.items()
                                                      if v is not OMIT}),
                                content_type="application/json"))
    return send


OMIT = object()  # a field left out of the request


def _others_verdict(d: Desk) -> Verdict:
    """The other reviewer's verdict on a claim the reviewer has not judged: blind to them."""
    return Verdict.objects.get(reviewer=d.other, claim=d.claims[0])


def _api_verdict_stored(**expected):
    def check(d: Desk, seen: Outcome) -> None:
        verdict = _my_verdict(d)
        assert seen.json["id"] == verdict.pk
        for name, value in expected.items():
            assert getattr(verdict, name) == value
            assert getattr(verdict.history.get(), name) == value
    return check


API_VERDICT_ROWS = [
    Row("api-verdict-malformed-json", _api("post", VERDICTS, b'{"claim": 1, "label": ',
                                           content_type="application/json"), 400,
        "JSON parse error"),
    Row("api-verdict-json-array", _api("post", VERDICTS, b'[{"label": "confirmed"}]',
                                       content_type="application/json"), 400,
        "Invalid data. Expected a dictionary, but got list."),
    Row("api-verdict-claim-a-string", _api_verdict(claim=lambda d: "three"),
        400, "A claim is given by its id, a whole number, not str."),
    Row("api-verdict-label-a-number", _api_verdict(label=1), 400,
        "\"1\" is not a valid choice."),
    Row("api-verdict-rationale-a-number", _api_verdict(rationale=42), 400, "Not a valid string."),
    Row("api-verdict-rationale-a-list", _api_verdict(rationale=["Checked", "it"]), 400,
        "Not a valid string."),
    Row("api-verdict-evidence-links-a-string",
        _api_verdict(evidence_links="https://port.example/log"), 400,
        'Expected a list of items but got type "str".'),
    Row("api-verdict-evidence-link-a-number", _api_verdict(evidence_links=[42]), 400,
        "Not a valid string."),
    Row("api-verdict-source-correct-not-a-boolean", _api_verdict(source_correct="maybe"), 400,
        "Must be a valid boolean."),
    Row("api-verdict-revision-a-string", _api_verdict(expected_revision="one"), 400,
        "A valid integer is required."),
    Row("api-verdict-revision-a-boolean", _api_verdict(expected_revision=True), 400,
        "A valid integer is required."),
    Row("api-verdict-unknown-fields", _api_verdict(lable="contested", revision=0), 400,
        "lable Unknown field: the fields are claim, label, rationale, evidence_links, "
        "source_correct, content_correct, expected_revision, claim_version."),
    Row("api-verdict-missing-expected-revision", _api_verdict(expected_revision=OMIT), 400,
        "expected_revision This field is required."),
    Row("api-verdict-missing-claim-version", _api_verdict(claim_version=OMIT), 400,
        "claim_version This field is required."),
    Row("api-verdict-label-not-a-choice", _api_verdict(label="mostly-true"), 400,
        '"mostly-true" is not a valid choice.'),
    Row("api-verdict-label-null", _api_verdict(label=None), 400, "This field may not be null."),
    Row("api-verdict-javascript-evidence-link",
        _api_verdict(evidence_links=["https://ok.example/a", "javascript:alert(1)"]), 400,
        "“javascript:alert(1)” is not a valid http or https link."),
    Row("api-verdict-10000-evidence-links",
        _api_verdict(evidence_links=[f"https://e.example/{i}" for i in range(10_000)]), 400,
        "At most 20 evidence links per verdict."),
    Row("api-verdict-rationale-nul-byte", _api_verdict(rationale="Checked\x00 it."), 400,
        "Null characters are not allowed."),
    Row("api-verdict-rationale-lone-surrogate", _api_verdict(rationale="Checked \udc00 it."), 400,
        "Surrogate characters are not allowed: U+DC00."),
    Row("api-verdict-claim-id-of-2-to-the-63",
        _api_verdict(claim=lambda d: BIG), 400,
        f"There is no claim {BIG} that you may review"),
    Row("api-verdict-claim-of-a-deleted-article", _api_verdict(claim=lambda d: d.deleted_claim.pk),
        400, "that you may review (it does not exist, or its article was deleted)."),
    Row("api-verdict-on-a-final-claim", _api_verdict(claim=lambda d: d.final.pk), 409,
        "This claim has its final verdict; a lead can reopen it. code not_reviewable"),
    Row("api-verdict-stale-revision",
        _api_verdict(claim=lambda d: d.claims[1].pk, label="unverifiable"), 409,
        "(now revision 1, you saw 0). Reload to see the current verdict; your input was not "
        "saved. code stale"),
    Row("api-verdict-stale-claim-version", _api_verdict(claim_version=2), 409,
        "(now version 1, you saw 2)"),
    Row("api-verdict-revision-2-to-the-63",
        _api_verdict(claim=lambda d: d.claims[1].pk, label="unverifiable", expected_revision=BIG),
        409, f"(now revision 1, you saw {BIG})"),
    Row("api-verdict-others-verdict-by-id",
        _api("get", lambda d: f"{VERDICTS}{_others_verdict(d).pk}/"),
        404, "No Verdict matches the given query."),
    Row("api-verdict-markup-stored-faithfully",
        _api_verdict(rationale=MARKUP, evidence_links=["https://e.example/?q=<b>"]), 201,
        stored=_api_verdict_stored(rationale=MARKUP,
                                   evidence_links=["https://e.example/?q=<b>"]),
        adds=VERDICT),
    Row("api-verdict-put", _api("put", VERDICTS, {}), 405, 'Method "PUT" not allowed.'),
    Row("api-verdicts-list-bad-date", _api("get", VERDICTS + "?updated_before=soon"), 400,
        "updated_before Enter a valid date/time."),
    Row("api-verdicts-list-other-reviewer",
        lambda d: _api("get", f"{VERDICTS}?reviewer={d.other.pk}")(d), 400,
        "Only leads may filter by another reviewer's verdicts; use your own id"),
]

# --- The API: claims list filters -----------------------------------------------------------
CLAIMS = "/api/claims/"

LIVE_CLAIMS = lambda: Claim.objects.filter(article__deleted_at=None)  # noqa: E731


API_CLAIM_ROWS = [
    Row("api-claims-date-not-iso", _api("get", CLAIMS + "?created_after=yesterday"), 400,
        "created_after Enter a valid date/time."),
    Row("api-claims-date-only-is-midnight-utc",
        _api("get", CLAIMS + "?created_after=2000-01-01&created_before=2000-01-01"), 200,
        stored=lambda d, seen: _equal(seen.json["results"], [])),
    Row("api-claims-impossible-date", _api("get", CLAIMS + "?finalised_before=2026-02-30T00:00Z"),
        400, "finalised_before Enter a valid date/time."),
    Row("api-claims-date-year-zero", _api("get", CLAIMS + "?created_before=0000-01-01T00:00Z"),
        400, "Enter a valid date/time."),
    Row("api-claims-other-reviewer-as-reviewer",
        lambda d: _api("get", f"{CLAIMS}?reviewer={d.other.pk}")(d), 400,
        "Only leads may filter by another reviewer's verdicts; use your own id"),
    Row("api-claims-reviewer-not-a-number", _api("get", CLAIMS + "?reviewer=me"), 400,
        "reviewer Enter a whole number."),
    Row("api-claims-page-size-huge", _api("get", f"{CLAIMS}?page_size={BIG}"), 200,
        stored=_page_of(500, LIVE_CLAIMS)),
    Row("api-claims-page-size-negative", _api("get", CLAIMS + "?page_size=-1"), 200,
        stored=_page_of(100, LIVE_CLAIMS)),
    Row("api-claims-unknown-kind", _api("get", CLAIMS + "?kind=rumour"), 400,
        "kind Select a valid choice. rumour is not one of the available choices."),
    Row("api-claims-unknown-status", _api("get", CLAIMS + "?status=open&status=closed"), 400,
        "status Select a valid choice. closed is not one of the available choices."),
    Row("api-claims-article-id-of-2-to-the-63", _api("get", f"{CLAIMS}?article={BIG}"), 400,
        "article Ensure this value is less than or equal to 9223372036854775807."),
    Row("api-claims-claim-of-a-deleted-article",
        _api("get", lambda d: f"{CLAIMS}{d.deleted_claim.pk}/"), 404, "No Claim matches"),
]

# --- The API: bulk import -------------------------------------------------------------------
BULK = "/api/articles/bulk"


def _bulk(body: bytes, content_type: str = "application/x-ndjson") -> Callable[[Desk], Outcome]:
    return _api("post", BULK, body, content_type=content_type)


API_BULK_ROWS = [
    Row("api-bulk-empty-body", _bulk(b""), 400, "The body is empty."),
    Row("api-bulk-only-blank-lines", _bulk(b"\n\r\n  \n"), 400, "The body has no article"),
    Row("api-bulk-invalid-utf8-line", _bulk(_jsonl({"text": ARTICLE})
                                            + b'{"text": "The caf\xe9 owner said no."}\n'), 207,
        "line 2 message not valid UTF-8 (byte 0xe9", adds={"Article": 1},
        stored=_article_stored(ARTICLE)),
    Row("api-bulk-utf16-with-bom", _bulk(codecs.BOM_UTF16_LE + _jsonl({"text": ARTICLE}).decode()
                                         .encode("utf-16-le")), 400,
        "The file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"),
    Row("api-bulk-one-line-of-a-megabyte", _bulk(_jsonl({"text": ONE_LINE})), 200,
        "Imported 1 article", adds={"Article": 1}, stored=_article_stored(ONE_LINE)),
    Row("api-bulk-json-content-type", _bulk(_jsonl({"text": ARTICLE}), "application/json"), 415,
        "Cannot import “application/json”: send JSON Lines"),
    Row("api-bulk-form-content-type", _bulk(b"text=" + ARTICLE.encode(),
                                            "application/x-www-form-urlencoded"), 415,
        "Cannot import “application/x-www-form-urlencoded”"),
    Row("api-bulk-latin1-charset", _bulk(b"title,text\nx,y said z\n", "text/csv; charset=latin-1"),
        415, "The body must be UTF-8, not latin-1"),
    Row("api-bulk-broken-multipart", _bulk(b"--Xb0undary\r\nContent-Disposition: form-data; "
                                           b'name="file"; filename="a.jsonl"\r\n\r\n{"text": "',
                                           "multipart/form-data; boundary=Xb0undary"), 400,
        "Multipart form parse error"),
    Row("api-bulk-multipart-without-file",
        _bulk(_multipart([("format", b"jsonl")]), "multipart/form-data; boundary=Xb0undary"), 400,
        "No file: send the articles in the multipart field “file”."),
    Row("api-bulk-lines-joined-by-curl-d",
        _bulk(_jsonl({"text": ARTICLE}, {"text": ARTICLE + " Twice."}).replace(b"\n", b"")), 400,
        "more follows the end of the object; put one article on each line"),
]

# --- The import command ---------------------------------------------------------------------
IMPORT_ROWS = [
    Row("import-nul-byte-in-text", _import(_jsonl({"text": "The mayor said\x00 no."})), 1,
        "line 1: The article text contains a NUL byte"),
    Row("import-nul-byte-in-title", _import(_jsonl({"text": ARTICLE, "title": "A\x00B"})), 1,
        "line 1: title: contains a NUL byte (\\0), which cannot be stored"),
    Row("import-lone-surrogate-in-outlet",
        _import(b'{"text": "The mayor said no.", "outlet": "\\ud800"}\n'), 1,
        "line 1: outlet: contains invalid Unicode (an unpaired surrogate)"),
    Row("import-invalid-utf8-line", _import(_jsonl({"text": ARTICLE}) + b'{"text": "caf\xe9"}\n'),
        1, "line 2: not valid UTF-8 (byte 0xe9 at position 14 of the line)",
        adds={"Article": 1}),
    Row("import-utf16-file-with-bom", _import(codecs.BOM_UTF16_LE
                                              + _jsonl({"text": ARTICLE}).decode()
                                              .encode("utf-16-le")), 1,
        "The file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"),
    Row("import-malformed-json", _import(b'{"text": "unterminated\n'), 1,
        "line 1: not valid JSON"),
    Row("import-wrong-json-type", _import(_jsonl({"text": 42})), 1,
        "line 1: “text” must be a string, not int"),
    Row("import-json-array-line", _import(b'["text", "x"]\n'), 1, "line 1: not a JSON object"),
    Row("import-empty-and-whitespace-text", _import(_jsonl({"text": ""}, {"text": " \t "})), 1,
        "line 2: no text"),
    Row("import-over-the-size-limit", _import(_jsonl({"text": "a" * (LIMIT + 1)})), 1,
        f"line 1: The article text is {LIMIT + 1:,} bytes; the limit is {LIMIT:,} bytes."),
    Row("import-one-line-of-a-megabyte-and-quotes", _import(_jsonl({"text": ONE_LINE},
                                                                   {"text": "“”" * 100_000})),
        0, "Imported 2 articles", adds={"Article": 2}),
    Row("import-unknown-fields-ignored", _import(_jsonl({"text": ARTICLE, "colour": "red"})), 0,
        "Imported 1 article", adds={"Article": 1}, stored=_article_stored(ARTICLE)),
    Row("import-markup-and-sql-stored-faithfully",
        _import(_jsonl({"text": f"{MARKUP} {SQL}", "title": SQL, "outlet": MARKUP})), 0,
        "Imported 1 article", adds={"Article": 1},
        stored=_article_stored(f"{MARKUP} {SQL}", title=SQL, outlet=MARKUP)),
    Row("import-csv-lone-cr-line-ends", _import(b"title,text\rFerry,The captain said so.\r",
                                                name="articles.csv"), 0,
        "Imported 1 article", adds={"Article": 1},
        stored=_article_stored("The captain said so.", title="Ferry")),
]

ROWS = [*PASTE_ROWS, *UPLOAD_ROWS, *BODY_ROWS, *CLAIM_ROWS, *VERDICT_ROWS, *SOURCE_ROWS,
        *LEAD_ROWS, *TOKEN_ROWS, *READING_ROWS, *API_ROWS, *API_VERDICT_ROWS,
        *API_CLAIM_ROWS, *API_BULK_ROWS, *IMPORT_ROWS]


def test_the_table_covers_at_least_sixty_inputs_each_named_once():
    assert len(ROWS) >= 60
    assert len({row.id for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input(row: Row, desk: Desk):
    before = _counts()
    seen = row.send(desk)
    assert (seen.status, row.says in seen.text) == (row.status, True), _visible(seen.text)
    after = _counts()
    assert {name: after[name] - before[name] for name in after
            if after[name] != before[name]} == row.adds
    if row.stored is not None:
        row.stored(desk, seen)
