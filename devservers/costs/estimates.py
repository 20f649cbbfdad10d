"""What a request will cost: pay-per-use per hour and per 30 days, prepaid the whole purchase."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from devservers.costs.money import Money
from devservers.costs.prices import HOURS_PER_30_DAYS, PERIOD_HOURS, PRE_PAID, FlavorPrices


@dataclass(frozen=True)
class Estimate:
    flavor: str
    count: int
    charging_mode: str
    period_type: str
    period_num: int | None
    per_hour: Money  # every server together, per billed hour
    per_30_days: Money  # pay-per-use running 30 days without a stop
    total: Money  # prepaid: the whole purchase
    billed_hours: int | None  # prepaid: the hours the purchase covers; pay-per-use: open-ended

    @property
    def is_prepaid(self) -> bool:
        return self.charging_mode == PRE_PAID

    @property
    def needs_period(self) -> bool:
        return self.is_prepaid and not (self.period_type and self.period_num)

    @property
    def is_known(self) -> bool:
        return (self.total if self.is_prepaid else self.per_hour).is_known

    @property
    def period_label(self) -> str:
        """ "2 months", "1 year"."""
        count = self.period_num or 0
        words = {
            "HOUR": ngettext("%(count)s hour", "%(count)s hours", count),
            "DAY": ngettext("%(count)s day", "%(count)s days", count),
            "WEEK": ngettext("%(count)s week", "%(count)s weeks", count),
            "MONTH": ngettext("%(count)s month", "%(count)s months", count),
            "YEAR": ngettext("%(count)s year", "%(count)s years", count),
        }
        fallback = f"%(count)s {self.period_type.lower()}{'s' if count != 1 else ''}"
        return words.get(self.period_type, fallback) % {"count": self.period_num}

    @property
    def servers_label(self) -> str:
        return ngettext("%(count)s server", "%(count)s servers", self.count) % {"count": self.count}

    @property
    def summary(self) -> str:
        """One line for a reason or a table cell."""
        if self.is_prepaid:
            return _("%(total)s for %(servers)s, %(period)s prepaid") % {
                "total": self.total, "servers": self.servers_label, "period": self.period_label
            }
        return _("%(per_hour)s per hour, %(per_30_days)s per 30 days") % {
            "per_hour": self.per_hour, "per_30_days": self.per_30_days
        }


def estimate(
    prices: FlavorPrices,
    *,
    count: int,
    charging_mode: str,
    period_type: str = "",
    period_num: int | None = None,
) -> Estimate:
    per_hour = prices.rate(charging_mode=charging_mode, period_type=period_type).times(count)
    if charging_mode == PRE_PAID:
        periods = period_num or 0
        total = prices.per_period(period_type).times(count * periods)
        hours = PERIOD_HOURS.get(period_type, 0) * periods or None
        per_30_days = Money.unknown(prices.currency)
    else:
        total, hours = Money.unknown(prices.currency), None
        per_30_days = per_hour.times(HOURS_PER_30_DAYS)
    return Estimate(
        flavor=prices.flavor,
        count=count,
        charging_mode=charging_mode,
        period_type=period_type,
        period_num=period_num,
        per_hour=per_hour,
        per_30_days=per_30_days,
        total=total,
        billed_hours=hours,
    )
