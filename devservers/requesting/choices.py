"""The request form's fixed choices, in the cloud's values with the labels people read."""

from devservers.requesting import rules

SERVER_TYPE_CHOICES = [("ECS", "ECS (virtual machine)"), ("BMS", "BMS (bare metal)")]
ARCH_CHOICES = [("X86", "x86"), ("ARM", "ARM")]
LOGIN_CHOICES = [("password", "Password"), ("key_pair", "Key pair")]
CHARGING_CHOICES = [("POST_PAID", "Pay-per-use"), ("PRE_PAID", "Prepaid (yearly/monthly)")]
PERIOD_TYPE_CHOICES = [
    ("MONTH", "Months"),
    ("YEAR", "Years"),
    ("WEEK", "Weeks"),
    ("DAY", "Days"),
    ("HOUR", "Hours"),
]
ROOT_VOLUME_CHOICES = [("", "Cloud default"), *[(kind, kind) for kind in rules.ROOT_VOLUME_TYPES]]
DATA_VOLUME_CHOICES = [("", "No data disk"), *[(kind, kind) for kind in rules.ROOT_VOLUME_TYPES]]
