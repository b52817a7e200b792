"""The README's API walkthrough, step by step through HTTP with personal tokens, as a new user
runs it with curl: import a JSONL file, wait for segmentation, page through the new claims by
following `next`, give a verdict (and meet the 409), a second reviewer agrees so the claim is
final, and the three exports carry it (ClaimReview only the final claim)."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from claims.models import Article, Claim
from tests.factories import article_with_claims

pytestmark = pytest.mark.django_db

# Fictional articles, each with attributions ("said", "according to").
ARTICLES = [
    {"title": "Ferry to Vellmarsh resumes", "outlet": "Vellmarsh Courier",
     "url": "https://news.example/ferry-vellmarsh", "published": "2026-03-02",
     "text": "The ferry between Vellmarsh and Kessa Point will run again from Monday, the "
             "harbour master Ilse Brandt said on Tuesday. According to the port authority, the "
             "new pier can take two boats at once."},
    {"title": "Orchard council votes on water levy", "published_on": "2026-03-04",
     "text": "Councillor Tomas Reyne said the levy would pay for the new reservoir within six "
             "years. According to the council's treasurer, households would pay about twelve "
             "crowns a month."},
    {"title": "Lantern festival moves indoors",
     "text": "The festival director, Pavel Okri, said the lanterns would be shown in the old "
             "grain hall this year. According to the weather office, gales will blow all "
             "weekend."},
]


def _download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith('attachment; filename="claims-')
    return b"".join(response.streaming_content).decode()


def test_the_readme_walkthrough_from_a_jsonl_file_to_the_three_exports(
        api_as, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    already_there = article_with_claims(2, title="An older dispatch")  # found an hour ago
    already_there.claims.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    api, api2 = api_as(reviewer), api_as(other_reviewer)
    since = timezone.now().replace(microsecond=0)  # as `date -u` gives it: whole seconds

    # Step 2: import the file (one JSON object per line, sent as it is: --data-binary).
    body = "".join(json.dumps(article) + "\n" for article in ARTICLES).encode()
    with django_capture_on_commit_callbacks(execute=True):  # the worker, in-process
        imported = api.generic("POST", "/api/articles/bulk", body,
                               content_type="application/x-ndjson")
    assert imported.status_code == 200, imported.content
    summary = imported.json()
    assert summary["detail"] == "Imported 3 articles; 0 duplicates; 0 lines failed"
    ids = summary["articles"]
    assert len(ids) == 3
    assert [str(d) for d in Article.objects.filter(pk__in=ids).order_by("pk").values_list(
        "published_on", flat=True)] == ["2026-03-02", "2026-03-04", "None"]

    # Step 3: wait until each article's segmentation is done.
    for article_id in ids:
        segmentation = api.get(f"/api/articles/{article_id}/segmentation/").json()
        assert segmentation["status"] == "done", segmentation
        assert segmentation["error"] == ""

    # Step 4: page through the new open claims, two at a time, following `next` to the end.
    url = (f"/api/claims/?status=open&created_after={since.isoformat().replace('+00:00', 'Z')}"
           "&page_size=2")
    seen, pages = [], 0
    while url:
        page = api.get(url)
        assert page.status_code == 200, page.content
        pages += 1
        seen += page.json()["results"]
        url = page.json()["next"]
    new_claims = Claim.objects.filter(article_id__in=ids).exclude(status=Claim.Status.REJECTED)
    assert sorted(claim["id"] for claim in seen) == sorted(new_claims.values_list("pk",
                                                                                  flat=True))
    assert len({claim["id"] for claim in seen}) == len(seen) >= 6  # each claim once
    assert pages == (len(seen) + 1) // 2
    assert not {claim["article"]["id"] for claim in seen} & {already_there.pk}
    assert {claim["kind"] for claim in seen} >= {"according_to"}
    claim = next(c for c in seen if c["texts"]["content"].startswith("the new pier"))
    assert claim["texts"]["source"] == "the port authority"
    assert (claim["my_verdict"], claim["final_verdict"]) == (None, None)

    # Step 5: give a verdict (201), meet the 409 of a stale revision, change it (200).
    verdict = {"claim": claim["id"], "label": "contested",
               "rationale": "The port log shows one berth.",
               "evidence_links": ["https://port.example/log/2026-03-02"],
               "claim_version": claim["attribution_version"], "expected_revision": 0}
    given = api.post("/api/verdicts/", verdict, format="json")
    assert given.status_code == 201, given.content
    assert given["Location"].endswith(f"/api/verdicts/{given.json()['id']}/")
    assert given.json()["revision"] == 1
    stale = api.post("/api/verdicts/", {**verdict, "label": "unverifiable"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "(now revision 1, you saw 0)" in stale.json()["detail"]
    mine = api.get(f"/api/claims/{claim['id']}/").json()["my_verdict"]
    assert mine == {"label": "contested", "revision": 1, "claim_version": 1, "current": True}
    changed = api.post("/api/verdicts/", {**verdict, "label": "confirmed",
                                          "expected_revision": mine["revision"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["revision"] == 2

    # A second reviewer gives the same label: two agreeing verdicts make the claim final.
    theirs = api2.get(f"/api/claims/{claim['id']}/").json()
    assert (theirs["my_verdict"], theirs["final_verdict"]) == (None, None)  # blind review
    agreed = api2.post("/api/verdicts/", {
        "claim": claim["id"], "label": "confirmed", "rationale": "The harbour notice agrees.",
        "claim_version": theirs["attribution_version"], "expected_revision": 0}, format="json")
    assert agreed.status_code == 201, agreed.content
    final = api.get(f"/api/claims/{claim['id']}/").json()
    assert final["status"] == "final"
    assert final["final_verdict"]["label"] == "confirmed"
    assert final["final_verdict"]["provenance"] == "unanimous"
    assert final["final_verdict"]["agreeing_reviewers"] == 2

    # Step 6: the three downloads.
    lines = [json.loads(line) for line in _download(
        api, "/api/export/claims.jsonl").splitlines()]
    assert {line["id"] for line in lines} >= {c["id"] for c in seen}
    exported = next(line for line in lines if line["id"] == claim["id"])
    assert exported["status"] == "final"
    assert exported["final_verdict"]["label"] == "confirmed"
    assert sorted(v["label"] for v in exported["verdicts"]) == ["confirmed", "confirmed"]

    rows = list(csv.DictReader(io.StringIO(_download(api, "/api/export/claims.csv"
                                                          "?status=final"))))
    assert [(int(row["claim_id"]), row["final_label"], row["verdicts_visible"])
            for row in rows] == [(claim["id"], "confirmed", "2")]

    reviews = json.loads(_download(api, "/api/export/claims.claimreview.json"))
    assert len(reviews) == 1  # only the final claim
    (review,) = reviews
    assert review["url"].endswith(f"#claim-{claim['id']}")
    assert review["claimReviewed"] == claim["texts"]["content"]
    assert review["reviewRating"]["alternateName"] == "Confirmed"
    assert review["itemReviewed"]["firstAppearance"]["url"] == "https://news.example/ferry-vellmarsh"
