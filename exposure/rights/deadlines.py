"""Due dates: calendar days, business days and "one month".

Rules (kept simple and stated so a user can check them):

- The day the request is sent is day 0; a period of N days ends on day N.
- Calendar days: ``sent + N``.
- Business days: count forward skipping Saturdays and Sundays, and the public holidays of the
  deadline's ``holidays`` calendar ("US": the eleven US federal holidays, with the federal
  observed-date rule: a Saturday holiday is observed on Friday, a Sunday one on Monday).
- "One month" (GDPR Art. 12(3), UK GDPR Art. 12A): the same day number in the following
  month; when that month is shorter, its last day (Jan 31 + 1 month = Feb 28, or Feb 29 in a
  leap year). This follows the EU rule for periods expressed in months (Regulation 1182/71,
  Art. 3(2)(c)) as the EDPB applies it. We do not push a month deadline that ends on a weekend
  to the next working day: being reminded a day or two early is harmless.
- An extension recorded on the request adds the law's extension (``extension_days`` in the
  extension's own unit, or ``extension_months``) counted from the original due date, so
  "one month + two months" from Jan 31 is Apr 30 (computed as 3 months from sending).
- ``paused_days`` (UK "stop the clock" while the organization waits for ID or clarification
  it asked for) moves the due date later by that many calendar days.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

from exposure.rights.laws import Deadline


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the last day of the target month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last))


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th ``weekday`` (0=Mon) of the month; n=-1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@cache
def us_federal_holidays(year: int) -> frozenset[date]:
    """The US federal holidays (5 U.S.C. § 6103) observed in ``year``."""
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    days = {_observed(d) for d in fixed}
    # New Year's Day of the next year can be observed on Dec 31 of this one.
    next_new_year = _observed(date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.add(next_new_year)
    days.discard(date(year - 1, 12, 31))
    days.update({
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
    })  # fmt: skip
    return frozenset(d for d in days if d.year == year)


HOLIDAY_CALENDARS = {"US": us_federal_holidays}


def is_business_day(day: date, holidays: str | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    if holidays:
        calendar_fn = HOLIDAY_CALENDARS.get(holidays)
        if calendar_fn is not None and day in calendar_fn(day.year):
            return False
    return True


def add_business_days(start: date, days: int, holidays: str | None = None) -> date:
    """The date ``days`` business days after ``start`` (``start`` itself is day 0)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            left -= 1
    return day


def _add(start: date, days: int, business: bool, holidays: str | None) -> date:
    return add_business_days(start, days, holidays) if business else start + timedelta(days=days)


def due_date(sent: date, deadline: Deadline, extended: bool = False, *, paused_days: int = 0) -> date:
    """When the answer is due for a request sent on ``sent`` (see the module docstring)."""
    if deadline.months:
        due = add_months(sent, deadline.months + (deadline.extension_months if extended else 0))
        if extended and deadline.extension_days:
            due = _add(due, deadline.extension_days, deadline.extension_business, deadline.holidays)
    else:
        due = _add(sent, deadline.days, deadline.business, deadline.holidays)
        if extended:
            if deadline.extension_months:
                due = add_months(due, deadline.extension_months)
            if deadline.extension_days:
                due = _add(due, deadline.extension_days, deadline.extension_business, deadline.holidays)
    if paused_days > 0:
        due += timedelta(days=paused_days)
    return due


def extension_notice_by(sent: date, deadline: Deadline) -> date | None:
    """The last day an organization may announce an extension (the base due date), if extendable."""
    return due_date(sent, deadline) if deadline.extendable else None


# --------------------------------------------------------------------------- words

# (singular, plural) per unit: day, business day, month. German needs the dative after
# "innerhalb von" and the accusative after "um".
_UNITS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"d": ("day", "days"), "b": ("business day", "business days"), "m": ("month", "months")},
    "de": {"d": ("Tag", "Tagen"), "b": ("Werktag", "Werktagen"), "m": ("Monat", "Monaten")},
    "fr": {"d": ("jour", "jours"), "b": ("jour ouvrable", "jours ouvrables"), "m": ("mois", "mois")},
    "es": {"d": ("día", "días"), "b": ("día hábil", "días hábiles"), "m": ("mes", "meses")},
}
_DE_ACC = {"d": ("Tag", "Tage"), "b": ("Werktag", "Werktage"), "m": ("Monat", "Monate")}
_WORDS = {
    "en": {1: "one", 2: "two", 3: "three"},
    "de": {1: "einen", 2: "zwei", 3: "drei"},
    "fr": {1: "un", 2: "deux", 3: "trois"},
    "es": {1: "un", 2: "dos", 3: "tres"},
}


def _count(n: int, unit: str, language: str, forms: dict[str, tuple[str, str]] | None = None) -> str:
    singular, plural = (forms or _UNITS[language])[unit]
    word = singular if n == 1 else plural
    number = _WORDS[language].get(n, str(n)) if unit == "m" else str(n)
    return f"{number} {word}"


def _within(n: int, unit: str, language: str) -> str:
    if language == "en":
        period = "one month" if (unit == "m" and n == 1) else _count(n, unit, "en")
        return f"within {period} of receiving this request"
    if language == "de":
        period = "eines Monats" if (unit == "m" and n == 1) else "von " + _count(n, unit, "de")
        return f"innerhalb {period} nach Eingang dieses Schreibens"
    if language == "fr":
        period = "d’un mois" if (unit == "m" and n == 1) else "de " + _count(n, unit, "fr")
        return f"dans un délai {period} à compter de la réception de la présente demande"
    period = "un mes" if (unit == "m" and n == 1) else _count(n, unit, "es")
    return f"en el plazo de {period} desde la recepción de esta solicitud"


def _extension(n: int, unit: str, language: str) -> str:
    if language == "en":
        return (
            f"; if you need to extend this period by {_count(n, unit, 'en')}, you must tell me so, "
            "with your reasons, before it ends"
        )
    if language == "de":
        return (
            f"; eine Verlängerung um {_count(n, unit, 'de', _DE_ACC)} müssen Sie mir vor Ablauf "
            "dieser Frist mit Begründung mitteilen"
        )
    if language == "fr":
        return (
            f" ; si vous devez prolonger ce délai de {_count(n, unit, 'fr')}, vous devez m’en informer, "
            "motifs à l’appui, avant son expiration"
        )
    period = f"otro {_UNITS['es'][unit][0]}" if n == 1 else f"otros {_count(n, unit, 'es')}"
    return f"; si necesitan prorrogar este plazo {period}, deben comunicármelo, con los motivos, antes de que venza"


def describe(deadline: Deadline, language: str = "en", *, with_extension: bool = True) -> str:
    """The deadline as words for a letter, e.g. "within one month of receiving this request"."""
    if language not in _UNITS:
        language = "en"
    if deadline.months:
        text = _within(deadline.months, "m", language)
    else:
        text = _within(deadline.days, "b" if deadline.business else "d", language)
    if with_extension and deadline.extendable:
        if deadline.extension_months:
            text += _extension(deadline.extension_months, "m", language)
        else:
            text += _extension(deadline.extension_days, "b" if deadline.extension_business else "d", language)
    return text
