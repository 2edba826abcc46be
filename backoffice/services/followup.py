"""Follow-up while the business is young: staff's planned contacts and the
citizen's monthly self-report.

Staff plan a contact a month for the first six months (a visit, a call or a
meeting) and write down when it was held and what was said (notatpligt,
forvaltningsloven § 13: the notes stay on the follow-up, the audit entry
only says that they were written).

The citizen reports each month: revenue, hours worked in the business,
income from small jobs beside it, and how it goes. One report per month
(a database constraint). A second report for the same month REPLACES the
first: the citizen who mistyped a figure corrects it themselves instead of
writing to the caseworker, and the audit entry records that the month was
corrected (the figures for the evaluation are the latest ones the citizen
gave). Reports can be given from the month the business started and not
for a month that has not begun.

Staff see which months are missing: every month from the business's start
up to the last month that has ended, within the first ``REPORT_MONTHS``
months, for which there is no report.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..deadlines import deadline_after
from ..models import Business, Case, FollowUp, Outcome, SelfReport
from ..tenancy import may_act_on
from . import transitions
from .business import BusinessRefused, _own_locked_case
from .transitions import StaleCase

S = Case.Status

FOLLOW_UPS_PLANNED_ACTION = "backoffice.case.follow_ups_planned"
FOLLOW_UP_RECORDED_ACTION = "backoffice.case.follow_up_recorded"
SELF_REPORT_ACTION = "backoffice.case.self_report_submitted"
FOLLOW_UP_ACTIONS = (FOLLOW_UPS_PLANNED_ACTION, FOLLOW_UP_RECORDED_ACTION, SELF_REPORT_ACTION)

PERMISSION = "backoffice.handle_case"
DEFAULT_MONTHS = 6
MAX_MONTHS = 24
# Self-reports are asked for during the first year of the business.
REPORT_MONTHS = 12
NOTES_MAX_LENGTH = 20000
HOW_IT_GOES_MAX_LENGTH = 5000
# From the loan grant to the end of repayment: when follow-up and self-reports make sense.
FOLLOW_UP_STATUSES = frozenset({S.LOAN_GRANTED, S.BUSINESS_SETUP, S.LOAN_DISBURSED, S.IN_REPAYMENT})
SELF_REPORT_STATUSES = frozenset({S.BUSINESS_SETUP, S.LOAN_DISBURSED, S.IN_REPAYMENT})

__all__ = [
    "StaleCase", "BusinessRefused", "plan_follow_ups", "record_follow_up", "submit_self_report",
    "missing_self_reports", "add_months", "first_of_month",
]


def first_of_month(day):
    return day.replace(day=1)


def add_months(day, months):
    """``day`` moved ``months`` months on; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


# --- Staff ----------------------------------------------------------------------------------------


def _locked_case(case, user, expected_version):
    if not (user.has_perm(PERMISSION) and may_act_on(user, case)):
        raise PermissionDenied
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    return locked


def plan_follow_ups(case, user, *, start, months=DEFAULT_MONTHS, kind=FollowUp.Kind.CALL,
                    expected_version=None):
    """Plan ``months`` follow-ups of ``kind``, one a month from ``start``,
    with ``user`` as the staff member. A date on a weekend or holiday moves
    to the next working day (``deadlines``), when the office is open.
    Returns the new ``FollowUp`` rows."""
    errors = {}
    if not isinstance(start, datetime.date):
        errors["start"] = _("Give the date of the first follow-up.")
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        errors["months"] = _("Plan between 1 and %(max)d follow-ups.") % {"max": MAX_MONTHS}
    if kind not in FollowUp.Kind.values:
        errors["kind"] = _("Choose the kind of follow-up.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked_case(case, user, expected_version)
        if locked.status not in FOLLOW_UP_STATUSES:
            raise BusinessRefused(_("Follow-up is planned once the loan is granted, while the business "
                                    "starts up. This case is not at that stage."))
        dates = [deadline_after(start, months=i) for i in range(months)]
        created = FollowUp.objects.bulk_create([
            FollowUp(case=locked, planned_on=day, kind=kind, staff=user) for day in dates
        ])
        log(instance=case, action=FOLLOW_UPS_PLANNED_ACTION, user=user, data={
            "reference": locked.reference, "count": months, "kind": str(kind),
            "first": dates[0].isoformat(), "last": dates[-1].isoformat(),
        })
        transitions.bump_version(locked)
        case.version = locked.version
    return created


def record_follow_up(follow_up, user, *, done_on, notes, expected_version=None, today=None):
    """Write when the follow-up was held and what was said and agreed. A
    second call corrects it (the audit entry says so)."""
    today = today or timezone.localdate()
    notes = (notes or "").strip()
    errors = {}
    if not isinstance(done_on, datetime.date):
        errors["done_on"] = _("Give the date the follow-up was held.")
    elif done_on > today:
        errors["done_on"] = _("The follow-up cannot have been held in the future.")
    if not notes:
        errors["notes"] = _("Write what was said and agreed.")
    elif len(notes) > NOTES_MAX_LENGTH:
        errors["notes"] = _("The notes are too long.")
    if errors:
        raise ValidationError(errors)
    case = follow_up.case
    with transaction.atomic():
        locked = _locked_case(case, user, expected_version)
        fresh = FollowUp.objects.select_for_update().get(pk=follow_up.pk, case=locked)
        corrected = fresh.done_on is not None
        FollowUp.objects.filter(pk=fresh.pk).update(done_on=done_on, notes=notes, staff=user)
        follow_up.done_on, follow_up.notes, follow_up.staff = done_on, notes, user
        log(instance=case, action=FOLLOW_UP_RECORDED_ACTION, user=user, data={
            "reference": locked.reference, "follow_up": fresh.pk, "kind": fresh.kind,
            "planned_on": fresh.planned_on.isoformat(), "done_on": done_on.isoformat(),
            "corrected": corrected,
        })
        transitions.bump_version(locked)
        case.version = locked.version
    return follow_up


# --- The citizen ----------------------------------------------------------------------------------


def _amount(value, field, errors):
    if value in (None, ""):
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        errors[field] = _("Give an amount of zero or more.")
        return 0
    return value


def submit_self_report(case, citizen, month, revenue, hours, small_jobs_income, how_it_goes, *, today=None):
    """The citizen's report for ``month`` (any day in it). ``revenue`` and
    ``small_jobs_income`` in øre (integers), ``hours`` a whole number or
    None. A report for a month already reported replaces it. Returns
    ``(report, created)``."""
    today = today or timezone.localdate()
    errors = {}
    if not isinstance(month, datetime.date):
        errors["month"] = _("Choose the month.")
    else:
        month = first_of_month(month)
        if month > first_of_month(today):
            errors["month"] = _("You can only report on a month that has begun.")
    revenue = _amount(revenue, "revenue", errors)
    small_jobs_income = _amount(small_jobs_income, "small_jobs_income", errors)
    if hours not in (None, "") and (not isinstance(hours, int) or not 0 <= hours <= 744):
        errors["hours"] = _("Give the hours as a whole number (at most the hours of a month).")
    hours = None if hours in (None, "") else hours
    how_it_goes = (how_it_goes or "").strip()
    if len(how_it_goes) > HOW_IT_GOES_MAX_LENGTH:
        errors["how_it_goes"] = _("The text is too long.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _own_locked_case(case, citizen)
        if locked.status not in SELF_REPORT_STATUSES:
            raise BusinessRefused(_("Monthly reports are given while the business starts up, after the "
                                    "loan is granted. Your case is not at that stage."))
        business = Business.objects.filter(case=locked).first()
        if business is None or business.started_on is None:
            raise BusinessRefused(_("Register your business and the date it started first."))
        if month < first_of_month(business.started_on):
            raise ValidationError({"month": _("The month is before your business started.")})
        report, created = SelfReport.objects.select_for_update().get_or_create(
            case=locked, month=month,
            defaults={"revenue_ore": revenue, "hours_worked": hours,
                      "small_jobs_income_ore": small_jobs_income, "how_it_goes": how_it_goes},
        )
        if not created:
            report.revenue_ore, report.hours_worked = revenue, hours
            report.small_jobs_income_ore, report.how_it_goes = small_jobs_income, how_it_goes
            report.submitted_at = timezone.now()
            report.save()
        log(instance=case, action=SELF_REPORT_ACTION, user=citizen, data={
            "reference": locked.reference, "self_report": report.pk, "month": month.isoformat(),
            "corrected": not created,
        })
        transitions.bump_version(locked)
        case.version = locked.version
    return report, created


# --- Reads ----------------------------------------------------------------------------------------


def report_months(business, *, today=None, closed_at=None):
    """The months a report is expected for: from the business's start
    month, within its first ``REPORT_MONTHS`` months, up to the last month
    that has ended (and not after the case was closed)."""
    if business is None or business.started_on is None:
        return []
    today = today or timezone.localdate()
    end = first_of_month(today)  # the running month is not due yet
    if closed_at is not None:
        end = min(end, add_months(first_of_month(timezone.localdate(closed_at)), 1))
    month = first_of_month(business.started_on)
    months = []
    while month < end and len(months) < REPORT_MONTHS:
        months.append(month)
        month = add_months(month, 1)
    return months


def missing_self_reports(case, *, today=None):
    """The months with no report, oldest first. Uses ``case.business`` and
    ``case.self_reports.all()`` (prefetch them for the case page)."""
    try:
        business = case.business
    except Business.DoesNotExist:
        return []
    reported = {report.month for report in case.self_reports.all()}
    return [m for m in report_months(business, today=today, closed_at=case.closed_at) if m not in reported]


def section(case, *, today=None):
    """What the case page's follow-up section shows, from what
    ``CASE_PAGE_QUERYSET`` loaded (``business``, ``follow_ups`` with
    ``staff``, ``self_reports``, ``outcomes`` with ``recorded_by``): no queries."""
    from .outcomes import outcomes_by_checkpoint

    today = today or timezone.localdate()
    follow_ups = list(case.follow_ups.all())
    reports = sorted(case.self_reports.all(), key=lambda r: r.month, reverse=True)
    for report in reports:  # for display only; stored and summed as øre
        report.revenue_dkk = Decimal(report.revenue_ore) / 100
        report.small_jobs_income_dkk = Decimal(report.small_jobs_income_ore) / 100
    return {
        "follow_ups": follow_ups,
        "next_follow_up": next((f for f in follow_ups if f.done_on is None and f.planned_on >= today), None),
        "overdue": [f for f in follow_ups if f.done_on is None and f.planned_on < today],
        "reports": reports,
        "missing_reports": missing_self_reports(case, today=today),
        "outcomes": outcomes_by_checkpoint(case),
        "result_choices": Outcome.Result.choices,
        "can_plan": case.status in FOLLOW_UP_STATUSES,
    }
