"""The self-service request form: every rule the cloud applies, checked here first."""

import base64

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from devservers import catalog, selectors
from devservers.catalog import FlavorChoice
from devservers.models import CloudAccount, Team
from devservers.requesting import images, policy, refusals, rules
from devservers.requesting.choices import (
    ARCH_CHOICES,
    CHARGING_CHOICES,
    DATA_VOLUME_CHOICES,
    LOGIN_CHOICES,
    PERIOD_TYPE_CHOICES,
    ROOT_VOLUME_CHOICES,
    SERVER_TYPE_CHOICES,
)
from devservers.requesting.spec import DevServerSpec


def _choice_value(form: forms.Form, name: str) -> str:
    """The value a dependent field should be filled for: what was posted, else the initial value."""
    if form.is_bound:
        return str(form.data.get(form.add_prefix(name), "") or "")
    return str(form.initial.get(name) or form.fields[name].initial or "")


class DevServerRequestForm(forms.Form):
    name = forms.CharField(
        max_length=64,
        label=_("Name"),
        help_text=_("Letters, digits, '-', '_' and '.'; with a count above 1, '-1', '-2'… are added."),
    )
    count = forms.IntegerField(min_value=rules.COUNT_MIN, max_value=rules.COUNT_MAX, initial=1, label=_("Count"))
    availability_zone = forms.ChoiceField(required=False, label=_("Availability zone"))

    server_type = forms.ChoiceField(choices=SERVER_TYPE_CHOICES, initial="ECS", widget=forms.RadioSelect, label=_("Server type"))
    arch = forms.ChoiceField(choices=ARCH_CHOICES, initial="X86", widget=forms.RadioSelect, label=_("Architecture"))
    flavor = forms.ChoiceField(label=_("Flavor"), error_messages={"required": _("Choose a flavor.")})
    image_id = forms.ChoiceField(label=_("Image"), error_messages={"required": _("Choose an image.")})

    vpc_id = forms.ChoiceField(label="VPC")
    subnet_id = forms.ChoiceField(
        label=_("Subnet"), error_messages={"invalid_choice": _("Choose a subnet of the selected VPC.")}
    )
    security_group_id = forms.ChoiceField(
        label=_("Security group"),
        error_messages={"invalid_choice": _("Choose a security group of the selected VPC.")},
    )
    ipv6_enable = forms.BooleanField(required=False, label=_("Enable IPv6"))
    roce_id = forms.CharField(required=False, max_length=36, label=_("RoCE network ID"), help_text=_("Bare metal only."))

    login_method = forms.ChoiceField(choices=LOGIN_CHOICES, initial="password", widget=forms.RadioSelect, label=_("Login method"))
    admin_pass = forms.CharField(
        required=False,
        strip=False,
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    admin_pass_confirm = forms.CharField(
        required=False,
        strip=False,
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    key_pair_name = forms.ChoiceField(required=False, label=_("Key pair"))

    root_volume_type = forms.ChoiceField(
        required=False, choices=ROOT_VOLUME_CHOICES, label=_("System disk type")
    )
    root_volume_size = forms.IntegerField(
        required=False,
        min_value=rules.ROOT_VOLUME_MIN_GB,
        max_value=rules.ROOT_VOLUME_MAX_GB,
        label=_("System disk size (GB)"),
        help_text=format_lazy(_("{min} to {max} GB; empty for the cloud default."), min=rules.ROOT_VOLUME_MIN_GB, max=rules.ROOT_VOLUME_MAX_GB),
    )

    data_volume_type = forms.ChoiceField(required=False, choices=DATA_VOLUME_CHOICES, label=_("Data disk type"))
    data_volume_size = forms.IntegerField(
        required=False,
        min_value=rules.DATA_VOLUME_MIN_GB,
        max_value=rules.DATA_VOLUME_MAX_GB,
        label=_("Data disk size (GB)"),
        help_text=format_lazy(_("Each disk {min} to {max:,} GB."), min=rules.DATA_VOLUME_MIN_GB, max=rules.DATA_VOLUME_MAX_GB),
    )
    data_volume_count = forms.IntegerField(
        required=False,
        min_value=rules.DATA_VOLUME_COUNT_MIN,
        max_value=rules.DATA_VOLUME_COUNT_MAX,
        label=_("Number of data disks"),
        help_text=format_lazy(_("{min} to {max}."), min=rules.DATA_VOLUME_COUNT_MIN, max=rules.DATA_VOLUME_COUNT_MAX),
    )

    charging_mode = forms.ChoiceField(
        choices=CHARGING_CHOICES, initial="POST_PAID", widget=forms.RadioSelect, label=_("Billing")
    )
    period_type = forms.ChoiceField(required=False, choices=[("", "—"), *PERIOD_TYPE_CHOICES], label=_("Period"))
    period_num = forms.IntegerField(
        required=False,
        min_value=rules.PERIOD_NUM_MIN,
        max_value=rules.PERIOD_NUM_MAX,
        label=_("Number of periods"),
    )
    is_auto_renew = forms.BooleanField(required=False, label=_("Renew automatically"))
    is_auto_pay = forms.BooleanField(required=False, label=_("Pay automatically"))

    userdata_script = forms.CharField(
        required=False,
        strip=False,
        label=_("User data script"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("Plain text (for example a cloud-init script); the dashboard encodes it in base64. At most 32 KiB."),
    )
    enterprise_project_id = forms.CharField(required=False, max_length=36, label=_("Enterprise project ID"))

    def __init__(self, *args, account: CloudAccount, team: Team | None = None, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.team = team
        self.user = user
        self.cloud_errors: dict[str, list[str]] = {}
        self.approval_reasons: list[str] = []
        self.fill_choices()

    # Choices -----------------------------------------------------------------------------------

    def fill_choices(self) -> None:
        account = self.account
        all_flavors = catalog.flavors(account)
        self.fields["flavor"].choices = [(flavor.name, flavor.name) for flavor in all_flavors]
        self.flavor_rows = all_flavors

        chosen_flavor = catalog.find_flavor(account, _choice_value(self, "flavor"))
        shown_images = images.in_suggested_order(
            chosen_flavor, catalog.images_for_flavor(account, chosen_flavor.name) if chosen_flavor else []
        )
        self.fields["image_id"].choices = [("", _("Choose an image"))] + [
            (image.image_id, image.name) for image in shown_images if image.image_id
        ]
        if not self.is_bound and _choice_value(self, "image_id") not in {i.image_id for i in shown_images}:
            self.initial["image_id"] = images.suggested_image(chosen_flavor, shown_images)

        self.fields["vpc_id"].choices = [
            (vpc.id, f"{vpc.name} ({vpc.cidr})") for vpc in catalog.vpcs(account)
        ]
        known_vpc_ids = [vpc_id for vpc_id, _label in self.fields["vpc_id"].choices]
        chosen_vpc_id = _choice_value(self, "vpc_id")
        # Only a VPC of the account is looked up: a posted id never reaches the cloud or a cache key.
        vpc_id = chosen_vpc_id if chosen_vpc_id in known_vpc_ids else next(iter(known_vpc_ids), "")
        self.subnets = catalog.subnets(account, vpc_id) if vpc_id else []
        self.fields["subnet_id"].choices = [
            (subnet.id, f"{subnet.name} ({subnet.cidr}, {subnet.availability_zone or _('any zone')})")
            for subnet in self.subnets
        ]
        self.fields["security_group_id"].choices = [
            (group.id, group.name) for group in (catalog.security_groups(account, vpc_id) if vpc_id else [])
        ]
        self.fields["key_pair_name"].choices = [("", _("Choose a key pair"))] + [
            (key_pair.name, key_pair.name) for key_pair in catalog.key_pairs(account)
        ]
        self.fields["availability_zone"].choices = [("", _("Any zone (the cloud chooses)"))] + [
            (zone, zone) for zone in catalog.availability_zones(account)
        ]

    # Field rules --------------------------------------------------------------------------------

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not rules.NAME_PATTERN.match(name):
            raise forms.ValidationError(_("Use 1 to 64 letters, digits, '-', '_' or '.'."))
        return name

    def clean_roce_id(self) -> str:
        roce_id = self.cleaned_data["roce_id"].strip()
        if roce_id and not rules.UUID_PATTERN.match(roce_id):
            raise forms.ValidationError(_("A RoCE network ID is a UUID (36 characters)."))
        return roce_id

    def clean_enterprise_project_id(self) -> str:
        value = self.cleaned_data["enterprise_project_id"].strip()
        if value and not rules.ENTERPRISE_PROJECT_PATTERN.match(value):
            raise forms.ValidationError(_("Use 1 to 36 letters, digits, '-', '_' or '.'."))
        return value

    def clean_userdata_script(self) -> str:
        script = self.cleaned_data["userdata_script"]
        size = len(script.encode("utf-8"))
        if size > rules.USERDATA_MAX_BYTES:
            raise forms.ValidationError(
                _("The script is {size:,} bytes; the cloud takes at most {most:,}.").format(size=size, most=rules.USERDATA_MAX_BYTES)
            )
        return script

    def clean(self) -> dict:
        cleaned = super().clean()
        flavor = catalog.find_flavor(self.account, cleaned.get("flavor", ""))
        if flavor is not None:
            self._check_flavor(cleaned, flavor)
            self._check_image(cleaned, flavor)
            self._check_charging(cleaned, flavor)
        self._check_names_fit(cleaned)
        self._check_data_volume(cleaned)
        self._check_network(cleaned)
        self._check_login(cleaned)
        self._check_period(cleaned)
        if self.team is not None and self.user is not None:
            self._check_policy(cleaned, flavor)
        if not self.errors:
            self._check_names_free(cleaned)
        return cleaned

    def _check_policy(self, cleaned: dict, flavor: FlavorChoice | None) -> None:
        decision = policy.evaluate(
            team=self.team,
            user=self.user,
            is_team_admin=selectors.is_team_admin(self.user, self.team),
            flavor=flavor,
            image_id=cleaned.get("image_id") or "",
            count=cleaned.get("count") or 1,
            charging_mode=cleaned.get("charging_mode") or "",
            period_type=cleaned.get("period_type") or "",
            period_num=cleaned.get("period_num"),
            account=self.account,
        )
        for field_name, messages in decision.refusals.items():
            for message in messages:
                self.add_error(field_name, message)
        self.approval_reasons = decision.approval_reasons

    def _check_names_free(self, cleaned: dict) -> None:
        """Names held by this dashboard's rows; a name taken in the cloud by something else is the
        worker's to find, before its POST, so that this page never waits on the cloud."""
        names = [
            rules.name_with_suffix(cleaned["name"], index, cleaned["count"])
            for index in range(1, cleaned["count"] + 1)
        ]
        taken = selectors.live_name_taken(self.account, names)
        if taken:
            listed = ", ".join(sorted(taken))
            self.add_error("name", _("Already used in this project: %(names)s. Choose another name.") % {"names": listed})

    def _check_flavor(self, cleaned: dict, flavor: FlavorChoice) -> None:
        if flavor.sold_out:
            self.add_error("flavor", _("%(flavor)s is sold out; choose another flavor.") % {"flavor": flavor.name})
        elif cleaned.get("server_type") and flavor.server_type != cleaned["server_type"]:
            self.add_error(
                "flavor", _("%(flavor)s is a %(kind)s flavor, not %(chosen)s.") % {"flavor": flavor.name, "kind": flavor.server_type, "chosen": cleaned["server_type"]}
            )
        elif cleaned.get("arch") and flavor.arch != cleaned["arch"]:
            self.add_error("flavor", _("%(flavor)s is an %(arch)s flavor, not %(chosen)s.") % {"flavor": flavor.name, "arch": flavor.arch, "chosen": cleaned["arch"]})

    def _check_image(self, cleaned: dict, flavor: FlavorChoice) -> None:
        image_id = cleaned.get("image_id")
        if not image_id:
            return
        image = catalog.find_image(self.account, flavor_name=flavor.name, image_id=image_id)
        if image is None:
            self.add_error("image_id", _("This image does not fit %(flavor)s; choose one from the list.") % {"flavor": flavor.name})
        else:
            self.image_name = image.name or ""

    def _check_charging(self, cleaned: dict, flavor: FlavorChoice) -> None:
        """The flavor list has a row per charging mode and zone: the choice must match a row on sale."""
        if flavor.sold_out:
            return
        mode, zone = cleaned.get("charging_mode"), cleaned.get("availability_zone")
        labels = dict(CHARGING_CHOICES)
        if mode and flavor.cloud.sold_out_for(charging_mode=mode, zone=None):
            self.add_error("charging_mode", _("%(flavor)s cannot be bought %(mode)s.") % {"flavor": flavor.name, "mode": str(labels[mode]).lower()})
        elif zone and flavor.cloud.sold_out_for(charging_mode=mode, zone=zone):
            sold_in = ", ".join(flavor.zones) or _("no zone")
            self.add_error(
                "availability_zone",
                _("%(flavor)s is not sold in %(zone)s%(mode)s; it is sold in %(sold_in)s.") % {"flavor": flavor.name, "zone": zone, "mode": " " + str(labels[mode]).lower() if mode else "", "sold_in": sold_in},
            )

    def _check_data_volume(self, cleaned: dict) -> None:
        kind, size, count = (cleaned.get(f"data_volume_{part}") for part in ("type", "size", "count"))
        if not kind:
            if size is not None or count is not None:
                self.add_error("data_volume_type", _("Choose a disk type for the data disk, or clear its size and count."))
            return
        if size is None and "data_volume_size" not in self.errors:
            self.add_error("data_volume_size", _("Give the data disk a size."))
        if count is None and "data_volume_count" not in self.errors:
            cleaned["data_volume_count"] = 1

    def _check_names_fit(self, cleaned: dict) -> None:
        name, count = cleaned.get("name"), cleaned.get("count")
        if name and count and count > 1 and len(rules.name_with_suffix(name, count, count)) > 64:
            self.add_error(
                "name", _("With %(count)s servers the names get a '-%(count)s' suffix; keep the name shorter.") % {"count": count}
            )

    def _check_network(self, cleaned: dict) -> None:
        if cleaned.get("ipv6_enable") and cleaned.get("subnet_id"):
            subnet = next((subnet for subnet in self.subnets if subnet.id == cleaned["subnet_id"]), None)
            if subnet is not None and not subnet.ipv6_enable:
                self.add_error(
                    "ipv6_enable", _("Subnet %(subnet)s has no IPv6; choose one that has, or turn IPv6 off.") % {"subnet": subnet.name}
                )
        subnet = next((subnet for subnet in self.subnets if subnet.id == cleaned.get("subnet_id")), None)
        zone = cleaned.get("availability_zone") or ""
        if subnet is not None and (conflict := rules.zone_conflict(zone=zone, subnet=subnet)):
            self.add_error("subnet_id", conflict)
        if cleaned.get("roce_id") and cleaned.get("server_type") != "BMS":
            self.add_error("roce_id", _("A RoCE network is for bare-metal (BMS) servers only."))

    def _check_login(self, cleaned: dict) -> None:
        method = cleaned.get("login_method")
        password = cleaned.get("admin_pass") or ""
        if method == "password":
            cleaned["key_pair_name"] = ""
            if not password:
                self.add_error("admin_pass", _("Type a password, or log in with a key pair instead."))
                return
            problems = rules.password_problems(password)
            if problems:
                self.add_error("admin_pass", _("The password must meet: %(rules)s.") % {"rules": "; ".join(problems)})
            elif password != cleaned.get("admin_pass_confirm"):
                self.add_error("admin_pass_confirm", _("The two passwords differ."))
        elif method == "key_pair":
            cleaned["admin_pass"] = ""
            if not cleaned.get("key_pair_name"):
                self.add_error("key_pair_name", _("Choose a key pair, or log in with a password instead."))

    def _check_period(self, cleaned: dict) -> None:
        if cleaned.get("charging_mode") != "PRE_PAID":
            cleaned["period_type"], cleaned["period_num"] = "", None
            cleaned["is_auto_renew"] = cleaned["is_auto_pay"] = False
            return
        if not cleaned.get("period_type"):
            self.add_error("period_type", _("Prepaid servers need a period."))
        if cleaned.get("period_num") is None and "period_num" not in self.errors:
            self.add_error("period_num", _("Prepaid servers need a number of periods (1 to 11)."))

    # Results ------------------------------------------------------------------------------------

    def shown_flavors(self) -> list[FlavorChoice]:
        """The flavor table's rows: the account's flavors of the chosen server type and architecture."""
        server_type = _choice_value(self, "server_type") or "ECS"
        arch = _choice_value(self, "arch") or "X86"
        return [
            flavor for flavor in self.flavor_rows if flavor.server_type == server_type and flavor.arch == arch
        ]

    def flavor_notes(self) -> dict[str, policy.FlavorNote]:
        if self.team is None or self.user is None:
            return {}
        admin = selectors.is_team_admin(self.user, self.team)
        return policy.flavor_notes(team=self.team, is_team_admin=admin, flavors=self.flavor_rows)

    def add_cloud_refusal(self, *, error_code: str, error_msg: str) -> str:
        """Place a refusal the cloud sent after submission at the field it names; returns that field ('' for none)."""
        field, message = refusals.placed(error_code=error_code, error_msg=error_msg)
        self.cloud_errors.setdefault(field, []).append(message)
        return field

    def field_errors(self, name: str) -> list[str]:
        return [*self.errors.get(name, []), *self.cloud_errors.get(name, [])]

    def to_spec(self) -> DevServerSpec:
        data = self.cleaned_data
        script = data["userdata_script"]
        flavor = catalog.find_flavor(self.account, data["flavor"])
        return DevServerSpec(
            accelerator_count=flavor.accelerator_count if flavor else 0,
            name=data["name"],
            count=data["count"],
            server_type=data["server_type"],
            arch=data["arch"],
            flavor=data["flavor"],
            image_id=data["image_id"],
            image_name=getattr(self, "image_name", ""),
            availability_zone=data["availability_zone"],
            vpc_id=data["vpc_id"],
            subnet_id=data["subnet_id"],
            security_group_id=data["security_group_id"],
            ipv6_enable=data["ipv6_enable"],
            roce_id=data["roce_id"],
            login_method=data["login_method"],
            key_pair_name=data["key_pair_name"],
            root_volume_type=data["root_volume_type"],
            root_volume_size=data["root_volume_size"],
            data_volume_type=data["data_volume_type"],
            data_volume_size=data["data_volume_size"] if data["data_volume_type"] else None,
            data_volume_count=data["data_volume_count"] if data["data_volume_type"] else None,
            charging_mode=data["charging_mode"],
            period_type=data["period_type"],
            period_num=data["period_num"],
            is_auto_renew=data["is_auto_renew"],
            is_auto_pay=data["is_auto_pay"],
            enterprise_project_id=data["enterprise_project_id"],
            userdata=base64.b64encode(script.encode("utf-8")).decode("ascii") if script else "",
        )
