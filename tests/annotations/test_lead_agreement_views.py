"""The leads' agreement page and CSV, through HTTP."""

import csv
import io

import pytest
from django.urls import reverse

from annotations.services import verdict_submit
from tests.factories import article_with_claims

pytestmark = pytest.mark.django_db

PAGE = reverse("annotations:lead-agreement")
CSV = reverse("annotations:lead-agreement-csv")
HEADER = ["scope", "reviewer_a", "reviewer_b", "items", "percent_agreement", "cohen_kappa",
          "krippendorff_alpha"]


@pytest.fixture
def verdicts(reviewer, other_reviewer):
    """Two articles: on the first rev1 and rev2 agree on two claims of three and disagree on
    one; on the second only rev1 has judged (nothing to compare)."""
    first = article_with_claims(3, title="Ferry timetable report")
    second = article_with_claims(1, title="Lone verdict report")
    labels = [("confirmed", "confirmed"), ("contested", "contested"),
              ("unverifiable", "confirmed")]
    for claim, (one, two) in zip(first.claims.order_by("position"), labels, strict=True):
        verdict_submit(claim=claim, reviewer=reviewer, label=one)
        verdict_submit(claim=claim, reviewer=other_reviewer, label=two)
    verdict_submit(claim=second.claims.get(), reviewer=reviewer, label="confirmed")
    return first, second


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_agreement_is_for_leads_only(client, reviewer, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(reviewer)
    assert client.get(url).status_code == 403


def test_agreement_page_shows_each_figure_beside_its_items(logged_in_lead, verdicts):
    first, second = verdicts
    response = logged_in_lead.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    overall = body[body.index('data-testid="overall"'):body.index("</table>",
                                                                   body.index('data-testid="overall"'))]
    assert '<td class="num">3</td><td class="num">66.7%</td>' in overall
    articles = body[body.index('data-testid="articles"'):]
    assert "Ferry timetable report" in articles
    assert "Lone verdict report</a></td>\n      <td class=\"num\">0</td>" \
           '<td class="num">undefined</td><td class="num">undefined</td>' in articles
    pairs = body[body.index('data-testid="pairs"'):]
    # rev1: confirmed, contested, unverifiable; rev2: confirmed x2, contested.
    # p_o = 2/3, p_e = (1*2 + 1*1 + 1*0)/9 = 1/3, kappa = 0.5.
    assert "<td>rev1</td><td>rev2</td>" in pairs
    assert '<td class="num">3</td><td class="num">66.7%</td><td class="num">0.500</td>' in pairs
    confusion = body[body.index('data-testid="confusion"'):body.index('data-testid="articles"')]
    assert "(3 pairs in all)" in confusion
    # Unordered pairs above the diagonal, blank cells below it.
    assert ('<th scope="row">Confirmed</th><td class="num">1</td><td class="num">0</td>'
            '<td class="num">1</td>') in confusion
    assert ('<th scope="row">Contested</th><td class="num"></td><td class="num">1</td>'
            '<td class="num">0</td>') in confusion


def test_agreement_page_with_no_verdicts_says_undefined(logged_in_lead):
    body = logged_in_lead.get(PAGE).content.decode()
    assert '<td class="num">0</td><td class="num">undefined</td><td class="num">undefined</td>' \
        in body
    assert "No two reviewers have judged the same claim yet." in body


def test_agreement_csv_streams_every_scope_with_empty_cells_for_undefined(
    logged_in_lead, verdicts
):
    first, second = verdicts
    response = logged_in_lead.get(CSV)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="claimdesk-agreement-')
    rows = read_csv(response)
    assert rows[0] == HEADER
    by_scope = {(row[0], row[1], row[2]): row for row in rows[1:]}
    assert len(by_scope) == len(rows) - 1 == 4
    overall = by_scope[("overall", "", "")]
    assert overall[3:6] == ["3", "66.6667", ""]
    assert 0 < float(overall[6]) < 1
    assert by_scope[(f"article:{first.pk}", "", "")][3:6] == ["3", "66.6667", ""]
    assert by_scope[(f"article:{second.pk}", "", "")][3:] == ["0", "", "", ""]
    assert by_scope[("pair", "rev1", "rev2")][3:] == ["3", "66.6667", "0.5000", ""]
