"""Every URL stays where it was: bookmarks, browser tests and outside scripts rely on them."""

import pytest
from django.urls import resolve, reverse

URLS = [
    ("home", [], "/"),
    ("annotations:article-list", [], "/articles/"),
    ("claims:article-create", [], "/articles/new/"),
    ("annotations:article-detail", [7], "/articles/7/"),
    ("claims:article-segmentation", [7], "/articles/7/segmentation/"),
    ("annotations:claim-add", [7], "/articles/7/claims/"),
    ("annotations:claim-spans", [9], "/claims/9/spans/"),
    ("annotations:claim-reject", [9], "/claims/9/reject/"),
    ("annotations:claim-restore", [9], "/claims/9/restore/"),
    ("annotations:claim-source", [9], "/claims/9/source/"),
    ("annotations:verdict-submit", [9], "/claims/9/verdict/"),
    ("annotations:review-next", [], "/review/next/"),
    ("annotations:source-edit", [5], "/sources/5/"),
    ("login", [], "/accounts/login/"),
    ("healthz", [], "/healthz/"),
]


@pytest.mark.parametrize(("name", "args", "path"), URLS)
def test_every_screen_keeps_its_url(name, args, path):
    assert reverse(name, args=args) == path
    assert resolve(path).view_name == name
