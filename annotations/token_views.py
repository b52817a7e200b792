"""The personal API tokens page: list, create (the key shown once), revoke (after a
confirmation, which needs no JavaScript: ?revoke=<id> shows it, its own form revokes)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations import access, tokens
from annotations.models import ApiTokenName


class TokenCreateForm(forms.Form):
    # No max_length here: token_name_validate gives the one message for a name too long.
    name = forms.CharField(required=False, strip=True,
                           widget=forms.TextInput(attrs={"maxlength": ApiTokenName.MAX_LENGTH}))


@access.member_required
@require_http_methods(["GET", "POST"])
def account_tokens(request):
    created_key = None
    status = 200
    form = TokenCreateForm()
    if request.method == "GET" and "revoke" in request.GET:
        return _confirm_revoke(request, request.GET["revoke"])
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            return _revoke(request)
        form = TokenCreateForm(request.POST)
        form.is_valid()
        try:
            row, created_key = tokens.token_create(user=request.user,
                                                   name=form.cleaned_data.get("name", ""))
        except ValidationError as error:
            form.add_error("name", error)
            status = 422
        else:
            form = TokenCreateForm()
            messages.success(request, f"Token “{row.name}” created. Copy it now: it will not "
                                      "be shown again.")
    response = _page(request, form=form, created_key=created_key, status=status)
    if created_key:
        response["Cache-Control"] = "no-store"  # the key must not stay in a cache
    return response


def _page(request, *, form: TokenCreateForm, created_key: str | None = None, status: int = 200,
          rows: list[tokens.TokenRow] | None = None, revoking: tokens.TokenRow | None = None):
    return render(request, "annotations/account_tokens.html", {
        "form": form, "created_key": created_key, "revoking": revoking,
        "tokens": tokens.tokens_of(request.user) if rows is None else rows,
    }, status=status)


def _token_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _not_yours(request) -> HttpResponse:
    # Someone else's token, or none: the same answer, which tells nothing of others' tokens.
    messages.error(request, "No such token among yours: nothing was revoked.")
    return _page(request, form=TokenCreateForm(), status=404)


def _confirm_revoke(request, token_id: str) -> HttpResponse:
    """The page with the question "revoke this token?" and the form that does it."""
    rows = tokens.tokens_of(request.user)
    revoking = next((row for row in rows if row.id == _token_id(token_id)), None)
    if revoking is None:
        return _not_yours(request)
    return _page(request, form=TokenCreateForm(), rows=rows, revoking=revoking)


def _revoke(request):
    token_id = _token_id(request.POST.get("token", ""))
    if request.POST.get("confirm") != "yes":
        # A revoke not confirmed (an old page's form, a script) asks first, as the page does.
        return _confirm_revoke(request, str(token_id))
    if tokens.token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: requests made with it are now refused.")
        return redirect("account-tokens")
    return _not_yours(request)
