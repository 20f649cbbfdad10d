"""The page where a user turns each kind of email on or off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from devservers.models import NotificationSettings
from devservers.notifications.forms import NotificationSettingsForm


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    choices = NotificationSettings.objects.filter(user=request.user).first() or NotificationSettings(
        user=request.user
    )
    form = NotificationSettingsForm(request.POST or None, instance=choices)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your email settings are saved."))
        return redirect("devservers:notifications")
    return render(request, "devservers/notifications/settings.html", {"form": form})
