"""The request form's fixed choices, in the cloud's values with the labels people read."""

from django.utils.translation import gettext_lazy as _

from devservers.requesting import rules

SERVER_TYPE_CHOICES = [("ECS", _("ECS (virtual machine)")), ("BMS", _("BMS (bare metal)"))]
ARCH_CHOICES = [("X86", "x86"), ("ARM", "ARM")]
LOGIN_CHOICES = [("password", _("Password")), ("key_pair", _("Key pair"))]
CHARGING_CHOICES = [("POST_PAID", _("Pay-per-use")), ("PRE_PAID", _("Prepaid (yearly/monthly)"))]
PERIOD_TYPE_CHOICES = [
    ("MONTH", _("Months")),
    ("YEAR", _("Years")),
    ("WEEK", _("Weeks")),
    ("DAY", _("Days")),
    ("HOUR", _("Hours")),
]
ROOT_VOLUME_CHOICES = [("", _("Cloud default")), *[(kind, kind) for kind in rules.ROOT_VOLUME_TYPES]]
DATA_VOLUME_CHOICES = [("", _("No data disk")), *[(kind, kind) for kind in rules.ROOT_VOLUME_TYPES]]
