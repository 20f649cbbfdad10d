"""Changing a server's schedule and extending its lifetime, from its detail page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from devservers import selectors
from devservers.schedules import services
from devservers.schedules.forms import ScheduleForm
from devservers.schedules.selectors import bounds_of


def _refused(form: ScheduleForm) -> str:
    problems = [
        f"{form.fields[name].label if name in form.fields else _('Schedule')}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    ]
    return _("The schedule was not changed.") + " " + " ".join(problems)


@login_required
@require_POST
def set_schedule(request: HttpRequest, devserver_id: int) -> HttpResponse:
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if not selectors.can_act_on(request.user, devserver):
        return HttpResponse(_("Only its owner or a team admin can change its schedule."), status=403)
    now = timezone.now()
    form = ScheduleForm(request.POST, bounds=bounds_of(devserver), devserver=devserver, now=now)
    if form.is_valid():
        schedule = form.schedule()
        services.set_schedule(actor=request.user, devserver=devserver, schedule=schedule, now=now)
        messages.success(request, _("%(name)s's schedule: %(schedule)s.") % {"name": devserver.name, "schedule": schedule.describe()})
    else:
        messages.error(request, _refused(form))
    return redirect(reverse("devservers:detail", args=[devserver.pk]))


@login_required
@require_POST
def extend_lifetime(request: HttpRequest, devserver_id: int) -> HttpResponse:
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if not selectors.can_act_on(request.user, devserver):
        return HttpResponse(_("Only its owner or a team admin can extend its lifetime."), status=403)
    days = request.POST.get("days", "")
    extension = services.extend_lifetime(
        actor=request.user,
        devserver=devserver,
        days=int(days) if days.isdigit() else 0,
        bounds=bounds_of(devserver),
    )
    (messages.success if extension.done else messages.error)(request, extension.message)
    return redirect(reverse("devservers:detail", args=[devserver.pk]))
