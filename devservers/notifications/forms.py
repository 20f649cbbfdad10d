"""The settings page's form: one checkbox per kind of email."""

from django import forms

from devservers.models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["approval_waiting", "approved", "declined", "running", "failed", "budget"]
