"""Admin edits in the audit trail, like any other change: who changed which row, and what.

An entry names the fields that changed with their old and new values, except secrets, whose change
is noted without a value.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.related import ManyToManyField
from django.http import HttpRequest

from devservers import history, live
from devservers.models import DevServer, Team

# Fields (of a model or an admin form) whose values never enter the trail.
SECRET_FIELDS = frozenset(
    {
        "secret_key",
        "iam_password",
        "admin_pass",
        "secret_key_encrypted",
        "iam_password_encrypted",
        "admin_pass_encrypted",
        "userdata",
    }
)
MAX_VALUE_CHARS = 80


def _shown(value: object) -> str:
    if isinstance(value, models.QuerySet | list | tuple):
        value = ", ".join(str(item) for item in value)
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _stored_value(instance: models.Model, name: str) -> object:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field has no stored value
        return None
    if isinstance(field, ManyToManyField):
        return list(getattr(instance, name).all())
    return getattr(instance, name, None)


def describe_changes(form: forms.ModelForm, before: models.Model | None) -> list[str]:
    """'field: old → new' for each changed field ('field: new' for a new row); secrets by name only."""
    lines = []
    for name in form.changed_data:
        if name in SECRET_FIELDS:
            lines.append(f"{name} changed (value not recorded)")
        elif before is None:
            lines.append(f"{name}: {_shown(form.cleaned_data.get(name))}")
        else:
            lines.append(
                f"{name}: {_shown(_stored_value(before, name))} → {_shown(form.cleaned_data.get(name))}"
            )
    return lines


def _team_of(instance: models.Model) -> Team | None:
    """The team whose admins see the entry: the team itself, or the team of a server, membership or policy."""
    team = instance if isinstance(instance, Team) else getattr(instance, "team", None)
    return team if isinstance(team, Team) else None


def _label(instance: models.Model) -> str:
    return f"{instance._meta.verbose_name} {instance}"


def record(
    request: HttpRequest, action: str, instance: models.Model, changes: list[str], *, deleted: bool = False
) -> None:
    history.audit(
        actor=request.user,
        action=action,
        devserver=instance if isinstance(instance, DevServer) and not deleted else None,
        # A team's own entry cannot point at the team it deletes (entries keep their team).
        team=None if deleted and isinstance(instance, Team) else _team_of(instance),
        outcome="ok",
        detail=f"{_label(instance)}" + (f": {'; '.join(changes)}" if changes else ""),
    )


def _before(instance: models.Model) -> models.Model | None:
    if instance.pk is None:
        return None
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def _bump_pages(*rows: models.Model | None) -> None:
    for row in rows:
        if isinstance(row, DevServer):
            live.bump_after_commit(live.scopes_of(row))


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete through the admin, of the row and of its inline rows, is audited."""

    delete_action = "admin_delete"

    def deleted_facts(self, obj: models.Model) -> list[str]:
        """What the entry of a deletion says beyond the row's name."""
        return []

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        before = _before(obj) if change else None
        changes = describe_changes(form, before)
        super().save_model(request, obj, form, change)
        if changes or not change:
            record(request, "admin_change" if change else "admin_add", obj, changes)
        _bump_pages(before, obj)  # an owner or status changed here reaches the open pages of both owners

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset, change: bool) -> None:
        befores = {
            inline_form.instance.pk: _before(inline_form.instance)
            for inline_form in formset.initial_forms
            if inline_form.has_changed() and inline_form.instance.pk is not None
        }
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            instance = inline_form.instance
            if instance in formset.new_objects:
                record(request, "admin_add", instance, describe_changes(inline_form, None))
            elif any(instance is changed for changed, _ in formset.changed_objects):
                record(
                    request, "admin_change", instance, describe_changes(inline_form, befores.get(instance.pk))
                )
        for instance in formset.deleted_objects:
            record(request, self.delete_action, instance, [], deleted=True)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        record(request, self.delete_action, obj, self.deleted_facts(obj), deleted=True)
        _bump_pages(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            record(request, self.delete_action, obj, self.deleted_facts(obj), deleted=True)
            _bump_pages(obj)
        super().delete_queryset(request, queryset)
