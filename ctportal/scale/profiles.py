"""How much synthetic data each scale holds, and the calendar it spans.

`decade` is DESIGN.md's "Scale to plan for"; `year` is one year of the same programme
(every donor, a tenth of everything else), so a donor's pages can be compared between
the two; `tiny` is for the generator's own test, which must run in seconds.
"""

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Profile:
    name: str
    donors: int
    agreements: int
    projects: int
    activities: int
    disbursements: int
    expenditures: int
    progress_updates: int
    first_year: int
    last_year: int

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.first_year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.last_year, 12, 31)


# A fixed "today" of the data: receipts and verifications never lie after it, so the data
# is the same whatever day it is generated (and is never in the future once generated).
AS_OF = datetime.date(2026, 11, 30)

PROFILES: dict[str, Profile] = {
    "decade": Profile("decade", 50, 200, 2_000, 50_000, 500_000, 500_000, 200_000, 2017, 2026),
    "year": Profile("year", 50, 20, 200, 5_000, 50_000, 50_000, 20_000, 2026, 2026),
    "tiny": Profile("tiny", 3, 4, 8, 40, 200, 200, 120, 2026, 2026),
}

SUB_PROGRAMMES = 5
OUTCOMES_PER_SUB_PROGRAMME = 2
OUTPUTS_PER_OUTCOME = 4
INDICATORS_PER_OUTPUT = 2
COUNTERPARTS = 20
PROVINCES = (
    ("PK-BA", "Balochistan"),
    ("PK-GB", "Gilgit-Baltistan"),
    ("PK-IS", "Islamabad"),
    ("PK-JK", "Azad Jammu and Kashmir"),
    ("PK-KP", "Khyber Pakhtunkhwa"),
    ("PK-PB", "Punjab"),
    ("PK-SD", "Sindh"),
)

# Donors pay in these, in turn; spending is in USD or PKR. Base rates are USD per unit.
DONOR_CURRENCIES = ("EUR", "JPY", "GBP", "CAD", "AUD", "CHF", "NOK", "SEK", "DKK", "USD")
BASE_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1.08"),
    "JPY": Decimal("0.0068"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.74"),
    "AUD": Decimal("0.66"),
    "CHF": Decimal("1.12"),
    "NOK": Decimal("0.094"),
    "SEK": Decimal("0.095"),
    "DKK": Decimal("0.145"),
    "PKR": Decimal("0.0036"),
}
RATE_PLACES = Decimal("0.00000001")


def month_rate(currency: str, month: datetime.date) -> Decimal:
    """A smooth, deterministic UN rate: the base rate moving a few percent over the years.
    The sine is the only float, and it only picks the digits of a Decimal rate."""
    index = month.year * 12 + month.month
    wobble = Decimal(str(round(math.sin(index / 7 + len(currency)) * 0.05, 6)))
    return (BASE_RATES[currency] * (1 + wobble)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of every month from start's to end's, inclusive."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole counts that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
