"""Amounts of money that may be unknown: an unknown price is said, never counted as 0."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

UNKNOWN_PRICE = gettext_noop("price unknown")  # the CSV keeps it in English; pages translate it
_CENT = Decimal("0.01")
_TEN_THOUSANDTH = Decimal("0.0001")


def format_amount(amount: Decimal) -> str:
    """Two decimals with thousands separators; below 1, up to four, as a small hourly price has (0.0456)."""
    if abs(amount) >= 1:
        return f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"
    four = amount.quantize(_TEN_THOUSANDTH, rounding=ROUND_HALF_UP)
    return f"{four:.2f}" if four == four.quantize(_CENT) else f"{four.normalize():f}"


@dataclass(frozen=True)
class Money:
    amount: Decimal | None  # None: the price is unknown
    currency: str

    @classmethod
    def unknown(cls, currency: str) -> "Money":
        return cls(None, currency)

    @property
    def is_known(self) -> bool:
        return self.amount is not None

    @property
    def label(self) -> str:
        return f"{format_amount(self.amount)} {self.currency}" if self.amount is not None else _(UNKNOWN_PRICE)

    def __str__(self) -> str:
        return self.label

    def times(self, factor: Decimal | int) -> "Money":
        return Money(self.amount * Decimal(factor), self.currency) if self.amount is not None else self

    def plus(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        if self.amount is None or other.amount is None:
            return Money.unknown(self.currency)
        return Money(self.amount + other.amount, self.currency)


@dataclass
class MoneySum:
    """A total over rows that may be in several currencies, and may include rows of unknown price."""

    amounts: dict[str, Decimal] = field(default_factory=dict)
    unpriced: int = 0

    def add(self, money: Money, *, rows: int = 1) -> None:
        """Add what `rows` rows cost together; of unknown price, each of them is counted as unpriced."""
        if money.amount is None:
            self.unpriced += rows
        else:
            self.amounts[money.currency] = self.amounts.get(money.currency, Decimal(0)) + money.amount

    @classmethod
    def of(cls, amounts: Iterable[Money]) -> "MoneySum":
        total = cls()
        for money in amounts:
            total.add(money)
        return total

    def in_currency(self, currency: str) -> Decimal:
        return self.amounts.get(currency, Decimal(0))

    @property
    def label(self) -> str:
        known = " + ".join(
            f"{format_amount(amount)} {currency}" for currency, amount in sorted(self.amounts.items())
        )
        if not self.unpriced:
            return known or "0.00"
        unknown = _("%(count)s of unknown price") % {"count": self.unpriced}
        return _("%(known)s (and %(unknown)s)") % {"known": known, "unknown": unknown} if known else _(UNKNOWN_PRICE)

    def __str__(self) -> str:
        return self.label
