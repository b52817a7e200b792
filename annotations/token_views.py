"""The personal API tokens page: list, create (the key shown once), revoke."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
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


def _page(request, *, form: TokenCreateForm, created_key: str | None = None, status: int = 200):
    return render(request, "annotations/account_tokens.html", {
        "form": form, "created_key": created_key, "tokens": tokens.tokens_of(request.user),
    }, status=status)


def _revoke(request):
    try:
        token_id = int(request.POST.get("token", ""))
    except ValueError:
        token_id = 0
    if tokens.token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: requests made with it are now refused.")
        return redirect("account-tokens")
    # Someone else's token, or none: the same answer, which tells nothing of others' tokens.
    messages.error(request, "No such token among yours: nothing was revoked.")
    return _page(request, form=TokenCreateForm(), status=404)
