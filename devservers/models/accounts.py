"""Cloud accounts and the flavor catalogue kept beside them."""

from urllib.parse import quote, urlsplit

from django.db import models


class CloudAccount(models.Model):
    class AuthMethod(models.TextChoices):
        AKSK = "AKSK", "AK/SK signing"
        IAM = "IAM", "IAM user (token)"

    class UserdataField(models.TextChoices):
        USERDATA = "userdata", "userdata (documented spelling)"
        USER_DATA = "user_data", "user_data (newer SDK spelling)"

    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=64, default="cn-north-4")
    project_id = models.CharField(max_length=64)
    modelarts_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    vpc_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    ecs_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    iam_endpoint = models.URLField(blank=True, help_text="Empty: the region's default.")
    auth_method = models.CharField(max_length=8, choices=AuthMethod.choices, default=AuthMethod.AKSK)
    access_key = models.CharField(max_length=128, blank=True)
    secret_key_encrypted = models.TextField(blank=True, editable=False)
    iam_domain = models.CharField(max_length=128, blank=True)
    iam_user = models.CharField(max_length=128, blank=True)
    iam_password_encrypted = models.TextField(blank=True, editable=False)
    userdata_field = models.CharField(
        max_length=16, choices=UserdataField.choices, default=UserdataField.USERDATA
    )
    currency = models.CharField(
        max_length=3, default="CNY", help_text="ISO 4217; the flavor catalogue's prices are in it."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The reconcile's own schedule (provisioning/reconcile.py): the list pages its last full walk
    # read, and the beats left before the next walk.
    walk_pages = models.PositiveIntegerField(default=0, editable=False)
    beats_to_walk = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"

    @property
    def console_url(self) -> str:
        """The ModelArts console of the account's region; empty where the endpoint is not Huawei Cloud's."""
        host = urlsplit(self.modelarts_endpoint).hostname or "" if self.modelarts_endpoint else ""
        if host and not host.endswith((".myhuaweicloud.com", ".huaweicloud.com")):
            return ""
        return f"https://console.huaweicloud.com/modelarts/?region={quote(self.region)}"


class FlavorSpec(models.Model):
    """What the cloud's flavor list does not say: the accelerators of a flavor, kept by the admins.

    The flavors call gives only a free-text `specification` and a `flavor_type`; policy needs a
    count it can trust, so an entry here wins over anything read from those texts.
    """

    class AcceleratorType(models.TextChoices):
        NONE = "", "None (CPU only)"
        GPU = "GPU", "GPU"
        NPU = "NPU", "NPU (Ascend)"

    name = models.CharField(max_length=128, unique=True, help_text="The flavor name, as the cloud spells it.")
    accelerator_type = models.CharField(max_length=8, choices=AcceleratorType.choices, blank=True)
    accelerator_name = models.CharField(max_length=64, blank=True, help_text="For example NVIDIA-V100.")
    accelerator_count = models.PositiveSmallIntegerField(default=0)
    accelerator_memory_gib = models.PositiveIntegerField(
        null=True, blank=True, help_text="Memory of one card, GiB."
    )
    hourly_price = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Pay-per-use price per hour; empty: unknown.",
    )
    monthly_price = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Prepaid, one month; empty: unknown.",
    )
    yearly_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Prepaid, one year; empty: unknown."
    )
    # Where the prices came from (the admin, a CSV price list, later the price inquiry API) and when.
    prices_source = models.CharField(max_length=32, blank=True)
    prices_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "flavor catalogue entry"
        verbose_name_plural = "flavor catalogue"

    def __str__(self) -> str:
        return self.name
