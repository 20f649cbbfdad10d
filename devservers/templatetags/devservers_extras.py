from django import template

from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS

register = template.Library()


@register.filter
def errors_for(form, field_name: str) -> list[str]:
    """Errors of one field, the form's own and those the cloud sent back for it."""
    return form.field_errors(field_name)


@register.filter
def lifecycle_actions(devserver) -> list[tuple[object, bool]]:
    """Every action, with whether the server's status allows it now (the buttons show both)."""
    return [(action, action.allowed_in(devserver.status)) for action in LIFECYCLE_ACTIONS.values()]


@register.filter
def lookup(mapping: dict, key: str) -> object:
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
