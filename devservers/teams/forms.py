"""Forms a team admin uses on the team page; validation only, the writes are in teams.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devservers.models import Membership, Team


class AddMemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.user: AbstractBaseUser | None = None

    def clean_username(self) -> str:
        name = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name}).first()
        if user is None or not user.is_active:
            raise forms.ValidationError(_("There is no active user named “%(name)s”.") % {"name": name})
        if Membership.objects.filter(team=self.team, user=user).exists():
            raise forms.ValidationError(_("%(name)s is already a member of %(team)s.") % {"name": name, "team": self.team})
        self.user = user
        return name


class ChangeRoleForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Membership.Role.choices)


class RemoveMemberForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
