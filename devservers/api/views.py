"""The API tokens page: make a token (its secret shown once, on this answer only), see them, revoke one."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from devservers.api import tokens


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=64, label=gettext_lazy("Name"), help_text=gettext_lazy("What the token is for, such as “CI on build-01”.")
    )
    expires_in_days = forms.TypedChoiceField(
        coerce=int,
        choices=[(days, format_lazy(gettext_lazy("{days} days"), days=days)) for days in tokens.EXPIRY_DAYS_CHOICES],
        initial=30,
        label=gettext_lazy("Expires in"),
    )

    def field_errors(self, name: str) -> list[str]:
        """As `_field.html` asks every form for them."""
        return list(self.errors.get(name, []))


def _page(request: HttpRequest, form: TokenForm, *, secret: str = "", status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "tokens": tokens.tokens_of(request.user),
        "secret": secret,
        "now": timezone.now(),
    }
    return render(request, "devservers/api_tokens.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    expires_at = timezone.now() + timedelta(days=form.cleaned_data["expires_in_days"])
    _token, secret = tokens.issue_token(
        user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
    )
    # Rendered, not redirected: the secret is in this answer only (no-store), never in a session or a log.
    return _page(request, TokenForm(), secret=secret, status=201)


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    # Someone else's token is not there at all for this user, as with every other object.
    if not tokens.tokens_of(request.user).filter(pk=token_id).exists():
        raise Http404(_("No such token of yours."))
    if tokens.revoke_token(user=request.user, token_id=token_id):
        messages.success(request, _("Token revoked: scripts using it are refused from now on."))
    else:
        messages.error(request, _("That token was already revoked."))
    return redirect("devservers:api-tokens")
