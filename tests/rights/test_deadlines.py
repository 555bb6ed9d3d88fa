"""Due dates: month arithmetic, business days, holidays, extensions, the UK stop-the-clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure.rights.deadlines import (
    add_business_days,
    add_months,
    describe,
    due_date,
    extension_notice_by,
    is_business_day,
    us_federal_holidays,
)
from exposure.rights.laws import REGIMES, Deadline


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no Feb 31: last day of February
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # year boundary
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 36))
def test_add_months_lands_in_the_right_month_and_never_overshoots(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day


def test_business_days_skip_weekends() -> None:
    friday = date(2026, 3, 6)
    assert add_business_days(friday, 1) == date(2026, 3, 9)  # Monday
    assert add_business_days(friday, 5) == date(2026, 3, 13)
    saturday = date(2026, 3, 7)
    assert add_business_days(saturday, 1) == date(2026, 3, 9)
    assert add_business_days(friday, 0) == friday


def test_us_federal_holidays_2026() -> None:
    assert us_federal_holidays(2026) == {
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
        date(2026, 7, 3),  # July 4 is a Saturday: observed Friday
        date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
    }  # fmt: skip
    # New Year's Day 2028 is a Saturday: observed on Friday Dec 31, 2027.
    assert date(2027, 12, 31) in us_federal_holidays(2027)
    assert not is_business_day(date(2026, 11, 26), "US")
    assert is_business_day(date(2026, 11, 26))


def test_ccpa_opt_out_is_15_business_days_skipping_weekends_and_holidays() -> None:
    d = REGIMES["ccpa"].rights["opt_out"].deadline
    # Fri Nov 20, 2026: Thanksgiving (Nov 26) does not count.
    assert due_date(date(2026, 11, 20), d) == date(2026, 12, 14)
    # Without holidays the same count ends on Friday Dec 11.
    assert add_business_days(date(2026, 11, 20), 15) == date(2026, 12, 11)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), st.integers(1, 60))
def test_business_day_due_dates_never_fall_on_a_weekend(sent: date, days: int) -> None:
    due = add_business_days(sent, days, "US")
    assert due.weekday() < 5
    assert due > sent
    assert (
        sum(is_business_day(sent + timedelta(days=i), "US") for i in range(1, (due - sent).days + 1)) == days
    )


def test_gdpr_one_month_and_its_extension() -> None:
    d = REGIMES["gdpr"].rights["erasure"].deadline
    assert due_date(date(2026, 1, 31), d) == date(2026, 2, 28)
    assert due_date(date(2026, 1, 31), d, extended=True) == date(2026, 4, 30)
    assert due_date(date(2026, 3, 10), d) == date(2026, 4, 10)
    assert extension_notice_by(date(2026, 3, 10), d) == date(2026, 4, 10)


def test_calendar_day_deadlines_and_extensions() -> None:
    ccpa = REGIMES["ccpa"].rights["erasure"].deadline
    assert due_date(date(2026, 3, 2), ccpa) == date(2026, 4, 16)  # 45 days
    assert due_date(date(2026, 3, 2), ccpa, extended=True) == date(2026, 5, 31)  # 45 + 45
    iowa = REGIMES["icdpa"].rights["erasure"].deadline
    assert due_date(date(2026, 3, 2), iowa) == date(2026, 5, 31)  # 90 days
    assert due_date(date(2026, 3, 2), iowa, extended=True) == date(2026, 7, 15)  # + 45
    quebec = REGIMES["quebec_law25"].rights["access"].deadline
    assert extension_notice_by(date(2026, 3, 2), quebec) is None
    assert due_date(date(2026, 3, 2), quebec, extended=True) == date(2026, 4, 1)  # nothing to extend


def test_uk_stop_the_clock() -> None:
    d = REGIMES["uk_gdpr"].rights["access"].deadline
    assert due_date(date(2026, 3, 10), d, paused_days=6) == date(2026, 4, 16)


def test_mixed_units_extension() -> None:
    d = Deadline(10, True, 30, False, "test", holidays=None)
    assert due_date(date(2026, 3, 6), d) == date(2026, 3, 20)
    assert due_date(date(2026, 3, 6), d, extended=True) == date(2026, 4, 19)


@pytest.mark.parametrize(
    ("regime_id", "right", "language", "text"),
    [
        ("gdpr", "erasure", "en", "within one month of receiving this request"),
        ("gdpr", "erasure", "de", "innerhalb eines Monats"),
        ("gdpr", "erasure", "de", "Verlängerung um zwei Monate"),
        ("gdpr", "erasure", "fr", "dans un délai d’un mois"),
        ("gdpr", "erasure", "es", "en el plazo de un mes"),
        ("ccpa", "erasure", "en", "within 45 days"),
        ("ccpa", "opt_out", "en", "within 15 business days"),
        ("ccpa", "opt_out", "de", "innerhalb von 15 Werktagen"),
        ("ccpa", "opt_out", "fr", "15 jours ouvrables"),
        ("ccpa", "opt_out", "es", "15 días hábiles"),
        ("icdpa", "erasure", "en", "within 90 days"),
    ],
)
def test_describe(regime_id: str, right: str, language: str, text: str) -> None:
    assert text in describe(REGIMES[regime_id].rights[right].deadline, language)


def test_describe_mentions_the_extension_only_when_there_is_one() -> None:
    assert "extend" in describe(REGIMES["gdpr"].rights["erasure"].deadline)
    assert "extend" not in describe(REGIMES["ccpa"].rights["opt_out"].deadline)
    assert "extend" not in describe(REGIMES["gdpr"].rights["erasure"].deadline, with_extension=False)
