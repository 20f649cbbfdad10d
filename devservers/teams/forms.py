"""Forms a team admin uses on the team page; validation only, the writes are in teams.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from devservers.models import Membership, Team


class AddMemberForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.user: AbstractBaseUser | None = None

    def clean_username(self) -> str:
        name = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name}).first()
        if user is None or not user.is_active:
            raise forms.ValidationError(f"There is no active user named “{name}”.")
        if Membership.objects.filter(team=self.team, user=user).exists():
            raise forms.ValidationError(f"{name} is already a member of {self.team}.")
        self.user = user
        return name


class ChangeRoleForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)


class RemoveMemberForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
