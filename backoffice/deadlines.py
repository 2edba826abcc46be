"""Deadlines counted the Danish way: in calendar days, weeks or months,
and a deadline whose last day falls on a weekend, a public holiday or a day
the offices are closed moves to the next working day.

That is the rule of Danish administrative law for deadlines a citizen must
meet (consultation, answers to our questions, appeals): the period itself
runs on calendar days, holidays included, but the citizen must always have
the last day as one on which they can reach us. We use the same rule for
the dates we propose ourselves (follow-ups), so a planned contact is never
on a day the office is closed.

Public holidays are those of the ``holidays`` package's Danish calendar
(only its "public" category: it knows that Store Bededag was abolished from
2024). Grundlovsdag, 24 and 31 December are not public holidays by law, but
public offices are closed then by agreement; they are the setting
``DEADLINE_EXTRA_CLOSED_DAYS`` ("MM-DD" strings), read on every call (only
the package's calendar is cached per year), so a changed setting applies at
once."""

import datetime
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

APPEAL_WEEKS = 4  # ankefrist: 4 weeks from when the citizen received the decision
DEFAULT_EXTRA_CLOSED_DAYS = ("06-05", "12-24", "12-31")


@lru_cache(maxsize=64)
def public_holidays(year):
    """The Danish public holidays of ``year`` as a frozenset of dates."""
    return frozenset(holidays.country_holidays("DK", years=year))


def _extra_closed(day):
    extra = getattr(settings, "DEADLINE_EXTRA_CLOSED_DAYS", DEFAULT_EXTRA_CLOSED_DAYS)
    return day.strftime("%m-%d") in extra


def is_working_day(day):
    """Monday to Friday, not a public holiday, not an extra closing day."""
    return day.weekday() < 5 and day not in public_holidays(day.year) and not _extra_closed(day)


def next_working_day(day):
    """``day`` itself if it is a working day, else the first one after it."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(day, n):
    """The ``n``-th working day after ``day`` (``n`` >= 0; 0 gives
    ``next_working_day(day)``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = next_working_day(day)
    for _ in range(n):
        day = next_working_day(day + datetime.timedelta(days=1))
    return day


def deadline_after(start, *, days=0, weeks=0, months=0):
    """The deadline ``days``/``weeks``/``months`` after ``start``, counted
    in calendar time (a month from 31 January is the last day of February),
    then moved to the next working day if it is not one. ``start`` may be a
    date or an aware datetime (its local date counts)."""
    if isinstance(start, datetime.datetime):
        start = timezone.localdate(start)
    return next_working_day(start + relativedelta(days=days, weeks=weeks, months=months))


def _available_at(decision):
    """When the decision letter reached the citizen: the dispatch's
    ``available_at`` (Digital Post or posted), or None while unknown."""
    letter = decision.letter if decision.letter_id else None
    try:
        dispatch = getattr(letter, "dispatch", None)
    except ObjectDoesNotExist:  # a letter that has no dispatch row (yet)
        return None
    return getattr(dispatch, "available_at", None)


def appeal_weeks(decision):
    """The appeal period in weeks: the decision template's (which the
    letter's appeal guidance states), else the usual 4."""
    template = decision.template if decision.template_id else None
    return getattr(template, "appeal_deadline_weeks", None) or APPEAL_WEEKS


def appeal_deadline(decision):
    """The last day the citizen can complain about a final decision: 4 weeks
    (``appeal_weeks``) from the day the letter became available to them,
    or, while that is not known, from the day of the decision. None for a
    decision that is not final or fully grants the application (nothing to
    complain about)."""
    if decision.status != decision.Status.FINAL or decision.fully_granted:
        return None
    received = _available_at(decision) or decision.decided_at
    if received is None:
        return None
    return deadline_after(received, weeks=appeal_weeks(decision))
