"""Import a municipality's existing cases from its earlier records (the
trial's spreadsheet), so it starts with its history:

    python manage.py import_cases FILE.csv --municipality SLUG [--create-municipality "Name"]

The file: UTF-8 CSV (with or without BOM, "," or ";" separated) with a
header row; ISO dates (2021-03-01); an empty cell means "did not happen".
``reference`` is required and names the case within the municipality; the
other columns are in ``COLUMNS``. ``bank_name`` and
``business_account_fees_dkk`` are optional extras for the business-account
barrier (bank and fees); without them the bank is "not recorded".

Three steps: **parse** (every cell checked, every error collected with its
line and column), **plan** (what each row means for the case in the
database: create, update or unchanged) and **apply** (one transaction: all
rows or none).

Imported cases are ordinary cases with ``imported=True`` and no citizen.
Their status is reached by walking the lifecycle (``backoffice.lifecycle``)
through ``transitions.transition`` one step at a time, dated on the
milestone, so each step is in the audit log as for live cases. The
milestone fields, the person-group marker, the loan (terms from the
municipality's loan policy, no payouts or ledger entries: the money's
history is not in the records), the allowance, the business and its bank
account and the outcome are written to the same models live cases use.

Running the same file twice changes nothing. A later file may add what
happened since or correct dates; it never takes a step back (a case with a
loan keeps it, a closed case stays closed) and never touches a case that was
not imported."""

import csv
import datetime
import io
import re
from collections import deque
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..lifecycle import TRANSITIONS
from ..models import (
    Allowance,
    Business,
    BusinessAccount,
    Case,
    Loan,
    LoanPolicy,
    Municipality,
    Outcome,
    TargetGroup,
)
from . import journal, transitions
from .loans import add_months, first_due_date

S = Case.Status
R = Outcome.Result
C = Outcome.Checkpoint

IMPORTED_ACTION = "backoffice.case.imported"
IMPORT_USERNAME = "case-import"
# Stored where the records do not say (the bank, the business's name).
NOT_RECORDED = "Ikke oplyst"
MAX_ROWS = 20000
MAX_ALLOWANCE_MONTHS = 36

DATE_COLUMNS = (
    "referred_on", "course_started_on", "course_completed_on", "loan_granted_on",
    "business_account_requested_on", "business_account_opened_on", "business_started_on",
    "referred_ordinary_effort_on", "outcome_on",
)
COLUMNS = (
    "reference", "target_group", "referred_on", "course_started_on", "course_completed_on", "course_result",
    "loan_granted_on", "loan_amount_dkk", "allowance_months", "business_account_requested_on",
    "business_account_opened_on", "business_started_on", "referred_ordinary_effort_on", "outcome", "outcome_on",
)
EXTRA_COLUMNS = ("bank_name", "business_account_fees_dkk")
KNOWN_COLUMNS = COLUMNS + EXTRA_COLUMNS

COMPLETED, DROPPED_OUT, ORDINARY_EMPLOYMENT = "completed", "dropped_out", "ordinary_employment"
COURSE_RESULTS = (COMPLETED, DROPPED_OUT, ORDINARY_EMPLOYMENT)
COURSE_RESULT_STATUS = {COMPLETED: S.COURSE_COMPLETED, DROPPED_OUT: S.DROPPED_OUT,
                        ORDINARY_EMPLOYMENT: S.LEFT_FOR_EMPLOYMENT}
OUTCOMES = {
    "self_sufficient_business": R.SELF_SUFFICIENT_BUSINESS,
    "self_sufficient_employment": R.SELF_SUFFICIENT_EMPLOYMENT,
    "business_and_small_jobs": R.BUSINESS_AND_SMALL_JOBS,
    "education": R.EDUCATION,
    "public_support": R.PUBLIC_SUPPORT,
    "other": R.MOVED_OR_OTHER,
}
# Months after business start (or course end) at which each checkpoint falls.
CHECKPOINT_MONTHS = ((60, C.YEARS_5), (24, C.MONTHS_24), (12, C.MONTHS_12), (6, C.MONTHS_6), (0, C.COURSE_END))

# How the seed documents (and people) write the target groups, besides each
# group's code and its ``name_da``/``name_en``: plurals, abbreviations, and
# the evaluation form's own spelling ("kontakthjælpsmodtagere").
TARGET_GROUP_ALIASES = {
    "jobready_cash_benefit": [
        "Jobparate kontanthjælpsmodtagere", "Jobparat kontanthjælpsmodtager", "Jobparate kontakthjælpsmodtagere",
        "Jobparate", "Jobparat",
    ],
    "education_ready_education_benefit": [
        "Udd.parate udd.hjælpsmodtagere", "Udd.parat udd.hjælpsmodtager",
        "Uddannelsesparate uddannelseshjælpsmodtagere", "Uddannelsesparat uddannelseshjælpsmodtager",
        "Uddannelsesparate",
    ],
    "activity_ready": [
        "Aktivitetsparate modtagere", "Aktivitetsparate kontanthjælpsmodtagere",
        "Aktivitetsparate uddannelseshjælps- og kontanthjælpsmodtagere", "Aktivitetsparate",
    ],
    "rehabilitation": ["Revalidender", "Revalidend"],
    "sickness_benefit": ["Sygedagpengemodtagere"],
    "early_retirement_pension": ["Førtidspensionister"],
    "self_supporting": ["Selvforsørgede", "Selvforsørgende"],
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE = re.compile(r"^\d+$")
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


class ImportRefused(Exception):
    """Nothing was imported; ``errors`` says what to fix, by line and column."""

    def __init__(self, errors):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass
class ImportResult:
    municipality: Municipality
    municipality_created: bool = False
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.created or self.updated or self.municipality_created)


@dataclass
class Row:
    """One line of the file, parsed: dates as ``date``, empty as None."""

    line: int
    reference: str
    target_group: TargetGroup | None = None
    course_result: str | None = None
    loan_amount_dkk: int | None = None
    allowance_months: int | None = None
    outcome: str | None = None
    bank_name: str = ""
    fees_dkk: int | None = None
    dates: dict = field(default_factory=dict)

    def __getattr__(self, name):
        if name in DATE_COLUMNS:
            return self.__dict__["dates"].get(name)
        raise AttributeError(name)

    @property
    def result(self):
        """How the course ended; a completion date alone means completed."""
        if self.course_result:
            return self.course_result
        return COMPLETED if self.course_completed_on else None

    @property
    def course_ended_on(self):
        """When the course ended, for any ending (the column holds the end
        date for a drop-out or a job too)."""
        if self.result is None:
            return None
        return (self.course_completed_on or self.referred_ordinary_effort_on or self.outcome_on
                or self.course_started_on)

    @property
    def received_on(self):
        return self.referred_on or self.course_started_on or self.referred_ordinary_effort_on


@dataclass
class Plan:
    """What one row does to its case."""

    row: Row
    case: Case | None
    fields: dict
    steps: list
    loan: dict | None
    allowance: dict | None
    business: dict | None
    account: dict | None
    outcome: dict | None
    changed: list

    @property
    def action(self):
        if self.case is None:
            return "created"
        return "updated" if self.changed or self.steps else "unchanged"


def _line_error(line, column, problem):
    return _("Line %(line)s, column %(column)s: %(problem)s") % {"line": line, "column": column,
                                                                 "problem": problem}


# --- 1. Parse --------------------------------------------------------------------------------------


def normalise_name(text):
    """Case- and whitespace-insensitive form of a target group's name."""
    text = re.sub(r"\s+", " ", (text or "").strip().casefold())
    return re.sub(r"\.\s+", ".", text)


def target_group_index():
    """Every accepted spelling → ``TargetGroup``."""
    groups = list(TargetGroup.objects.all())
    index = {}
    by_code = {group.code: group for group in groups}
    for code, aliases in TARGET_GROUP_ALIASES.items():
        if code in by_code:
            for alias in aliases:
                index.setdefault(normalise_name(alias), by_code[code])
    for group in groups:  # the stored names win over the aliases
        for name in (group.code, group.name_da, group.name_en):
            if name:
                index[normalise_name(name)] = group
    return index


def _read(content):
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused([_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")]) from exc
    content = content.lstrip("\ufeff")
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise ImportRefused([_("Line 1: the file has no header row. The first line names the columns.")])
    names = [name.strip().lower() for name in header]
    errors = []
    unknown = [name or '""' for name in names if name not in KNOWN_COLUMNS]
    if unknown:
        errors.append(_("Line 1: unknown columns: %(columns)s. The columns are: %(known)s.")
                      % {"columns": ", ".join(unknown), "known": ", ".join(KNOWN_COLUMNS)})
    if "reference" not in names:
        errors.append(_("Line 1: the column reference (the case number) is missing."))
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.append(_("Line 1: the columns %(columns)s appear more than once.")
                      % {"columns": ", ".join(repeated)})
    if errors:
        raise ImportRefused(errors)
    return reader, names


def _date(text, today):
    if not _ISO_DATE.match(text):
        raise ValueError(_("“%(value)s” is not a date like 2021-03-01") % {"value": text})
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a date like 2021-03-01") % {"value": text}) from exc
    if day > today:
        raise ValueError(_("the date %(value)s is in the future") % {"value": text})
    return day


def _whole_number(text, *, minimum):
    value = text.replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(value):
        value = value.replace(".", "")
    if value.startswith("-") and _WHOLE.match(value[1:]):
        raise ValueError(_("“%(value)s” is negative") % {"value": text})
    if not _WHOLE.match(value):
        raise ValueError(_("“%(value)s” is not a whole number like 40000") % {"value": text})
    number = int(value)
    if number < minimum:
        raise ValueError(_("the number must be at least %(minimum)s") % {"minimum": minimum})
    return number


def parse(content, *, policy, today):
    """The rows of the file, checked one by one. Raises ``ImportRefused``
    listing every error (line, column, what is wrong)."""
    reader, names = _read(content)
    groups = target_group_index()
    rows, errors, seen = [], [], {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(_("The file has more than %(max)s lines. Split it up.") % {"max": MAX_ROWS})
            break
        if len(values) > len(names):
            errors.append(_("Line %(line)s: %(found)s columns instead of %(expected)s.")
                          % {"line": line, "found": len(values), "expected": len(names)})
            continue
        cells = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
        row, problems = _parse_row(line, cells, groups, policy, today)
        if row.reference:
            if row.reference in seen:
                problems.append(("reference", _("the case number %(reference)s is also on line %(line)s")
                                 % {"reference": row.reference, "line": seen[row.reference]}))
            else:
                seen[row.reference] = line
        errors.extend(_line_error(line, column, problem) for column, problem in problems)
        rows.append(row)
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([_("The file has no cases: only the header row.")])
    return rows


def _parse_row(line, cells, groups, policy, today):
    problems = []
    reference = cells.get("reference", "")
    if not reference:
        problems.append(("reference", _("the case number is missing")))
    elif len(reference) > Case._meta.get_field("reference").max_length:
        problems.append(("reference", _("the case number is too long")))
    row = Row(line=line, reference=reference)

    group = cells.get("target_group", "")
    if group:
        row.target_group = groups.get(normalise_name(group))
        if row.target_group is None:
            problems.append(("target_group", _(
                "unknown target group “%(value)s”. Use a code such as jobready_cash_benefit or the Danish name, "
                "e.g. Jobparate kontanthjælpsmodtagere") % {"value": group}))
    for column in DATE_COLUMNS:
        text = cells.get(column, "")
        if text:
            try:
                row.dates[column] = _date(text, today)
            except ValueError as error:
                row.dates[column] = None
                problems.append((column, str(error)))
    row.course_result = _choice(cells, "course_result", COURSE_RESULTS, problems,
                                _("unknown course result “%(value)s”. Use %(choices)s"))
    row.outcome = _choice(cells, "outcome", tuple(OUTCOMES), problems,
                          _("unknown outcome “%(value)s”. Use %(choices)s"))
    for column, attribute, minimum in (("loan_amount_dkk", "loan_amount_dkk", 1),
                                       ("allowance_months", "allowance_months", 1),
                                       ("business_account_fees_dkk", "fees_dkk", 0)):
        text = cells.get(column, "")
        if text:
            try:
                setattr(row, attribute, _whole_number(text, minimum=minimum))
            except ValueError as error:
                problems.append((column, str(error)))
    row.bank_name = cells.get("bank_name", "")
    if len(row.bank_name) > BusinessAccount._meta.get_field("bank_name").max_length:
        problems.append(("bank_name", _("the bank's name is too long")))
    if not any(column in DATE_COLUMNS for column, _problem in problems):
        problems.extend(_check_story(row, cells, policy))
    return row, problems


def _choice(cells, column, choices, problems, message):
    """The cell's value if it is one of ``choices`` (any case), else None
    with a problem noted; None for an empty cell."""
    value = cells.get(column, "")
    if not value:
        return None
    if value.lower() in choices:
        return value.lower()
    problems.append((column, message % {"value": value, "choices": ", ".join(choices)}))
    return None


def _check_story(row, cells, policy):
    """Checks across columns: what needs what, and dates in order."""
    problems = []
    started = row.course_started_on
    if not started:
        for column in ("course_completed_on", "course_result", "loan_granted_on", "outcome"):
            if cells.get(column):
                problems.append((column, _("there is no course_started_on: the case never started the course")))
    elif row.course_result == COMPLETED and not row.course_completed_on:
        problems.append(("course_completed_on", _("the course was completed (course_result): give the date")))
    if row.loan_granted_on and started and row.result != COMPLETED:
        problems.append(("loan_granted_on", _("a loan is granted only after a completed course")))
    if row.loan_amount_dkk is not None:
        if not row.loan_granted_on:
            problems.append(("loan_amount_dkk", _("an amount without loan_granted_on")))
        elif not policy.min_amount <= row.loan_amount_dkk <= policy.max_amount:
            problems.append(("loan_amount_dkk", _(
                "the loan must be from %(min)s to %(max)s kr. (the municipality's loan policy)")
                % {"min": policy.min_amount, "max": policy.max_amount}))
    if row.allowance_months is not None:
        if not row.loan_granted_on:
            problems.append(("allowance_months", _("the allowance is granted with the loan: loan_granted_on "
                                                   "is empty")))
        elif row.allowance_months > MAX_ALLOWANCE_MONTHS:
            problems.append(("allowance_months", _("at most %(months)s months")
                             % {"months": MAX_ALLOWANCE_MONTHS}))
    if row.referred_ordinary_effort_on and started and row.result is None:
        problems.append(("course_result", _("how did the course end? A referral to the ordinary employment "
                                            "effort comes after the course")))
    if row.referred_ordinary_effort_on and row.loan_granted_on:
        problems.append(("referred_ordinary_effort_on", _(
            "the case has a loan; a referral to the ordinary employment effort is for those without one")))
    if row.outcome and not row.outcome_on:
        problems.append(("outcome_on", _("the date of the outcome is missing")))
    if row.outcome_on and not row.outcome:
        problems.append(("outcome", _("outcome_on is given, but not the outcome")))
    in_order = [
        ("course_started_on", "referred_on"),
        ("course_completed_on", "course_started_on"),
        ("loan_granted_on", "course_started_on"),
        ("business_account_opened_on", "business_account_requested_on"),
        ("referred_ordinary_effort_on", "course_started_on"),
        ("referred_ordinary_effort_on", "referred_on"),
        ("outcome_on", "course_started_on"),
    ]
    if row.result == COMPLETED:
        in_order.append(("loan_granted_on", "course_completed_on"))
    for later, earlier in in_order:
        later_day, earlier_day = getattr(row, later), getattr(row, earlier)
        if later_day and earlier_day and later_day < earlier_day:
            problems.append((later, _("%(date)s is before %(column)s (%(other)s)") % {
                "date": later_day.isoformat(), "column": earlier, "other": earlier_day.isoformat()}))
    return problems


# --- 2. Plan ---------------------------------------------------------------------------------------


def status_path(row):
    """The statuses the case walks through, in order, each with its date."""
    received = row.received_on
    path = [(S.SCREENING, received)] if received else []
    if not row.course_started_on:
        if row.referred_ordinary_effort_on:
            path += [(S.NOT_ADMITTED, row.referred_ordinary_effort_on), (S.CLOSED, row.referred_ordinary_effort_on)]
        return _monotone(path)
    started = row.course_started_on
    path += [(S.ADMITTED, started), (S.IN_COURSE, started)]
    result = row.result
    if result is None:
        return _monotone(path)
    path.append((COURSE_RESULT_STATUS[result], row.course_ended_on))
    if result == COMPLETED and row.loan_granted_on:
        granted = row.loan_granted_on
        path.append((S.LOAN_GRANTED, granted))
        setup = [d for d in (row.business_account_requested_on, row.business_account_opened_on,
                             row.business_started_on) if d]
        if setup:
            path.append((S.BUSINESS_SETUP, max(granted, min(setup))))
        if row.business_account_opened_on:
            # Paid out once the account was open (not booked: the records hold no payouts).
            path.append((S.LOAN_DISBURSED, max(granted, row.business_account_opened_on)))
    elif result == COMPLETED and row.referred_ordinary_effort_on:
        path.append((S.CLOSED, row.referred_ordinary_effort_on))
    elif result != COMPLETED and (row.referred_ordinary_effort_on or row.outcome_on):
        path.append((S.CLOSED, row.referred_ordinary_effort_on or row.outcome_on))
    return _monotone(path)


def _monotone(path):
    """No step dated before the one it follows."""
    result, last = [], None
    for status, day in path:
        day = max(day, last) if last and day else (day or last)
        result.append((status, day))
        last = day
    return result


def _reachable(start):
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in TRANSITIONS[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def loan_period_end(granted_on, policy):
    """The due date of the last instalment on the policy's terms."""
    first = first_due_date(granted_on, policy.grace_months)
    return add_months(first, max(policy.repayment_months, 1) - 1)


def marker(row, policy, today):
    """(marked_from, marked_until): from the course start through the loan
    period, or to the course's end without a loan; open while it runs."""
    start = row.course_started_on
    if start is None:
        return None, None
    if row.loan_granted_on:
        end = loan_period_end(row.loan_granted_on, policy)
        return start, (max(end, start) if end <= today else None)
    end = row.course_ended_on
    return start, (max(end, start) if end else None)


def checkpoint_for(row):
    """The checkpoint nearest before the outcome, counted in whole months
    from the business's start (else the course's end, else the loan)."""
    base = row.business_started_on or row.course_ended_on or row.loan_granted_on or row.course_started_on
    day = row.outcome_on
    months = (day.year - base.year) * 12 + day.month - base.month - (1 if day.day < base.day else 0)
    for minimum, checkpoint in CHECKPOINT_MONTHS:
        if months >= minimum:
            return checkpoint
    return C.COURSE_END


def _allowance_start(row):
    base = row.business_started_on or add_months(row.loan_granted_on.replace(day=1), 1)
    return base.replace(day=1)


def plan(rows, municipality, policy, *, today):
    """What each row does. Raises ``ImportRefused`` when a row cannot be
    applied to the case already in the database."""
    existing = {}
    if municipality is not None:
        existing = {case.reference: case for case in Case.objects.filter(
            municipality=municipality, reference__in=[row.reference for row in rows],
        ).select_related("loan", "allowance", "business__bank_account")}
    plans, errors = [], []
    for row in rows:
        case = existing.get(row.reference)
        try:
            plans.append(_plan_row(row, case, policy, today))
        except _RowRefused as refusal:
            errors.append(_line_error(row.line, refusal.column, refusal.problem))
    if errors:
        raise ImportRefused(errors)
    return plans


class _RowRefused(Exception):
    def __init__(self, column, problem):
        super().__init__(problem)
        self.column, self.problem = column, problem


def _related(case, name):
    try:
        return getattr(case, name)
    except (Loan.DoesNotExist, Allowance.DoesNotExist, Business.DoesNotExist, BusinessAccount.DoesNotExist):
        return None


def _plan_row(row, case, policy, today):
    marked_from, marked_until = marker(row, policy, today)
    fields = {
        "target_group_id": row.target_group.pk if row.target_group else None,
        "referred_on": row.referred_on,
        "received_on": row.received_on,
        "course_started_on": row.course_started_on,
        "course_completed_on": row.course_completed_on if row.result == COMPLETED else None,
        "loan_granted_on": row.loan_granted_on,
        "referred_ordinary_effort_on": row.referred_ordinary_effort_on,
        "marked_from": marked_from,
        "marked_until": marked_until,
    }
    path = status_path(row)
    loan = None
    if row.loan_amount_dkk is not None:
        loan = {"principal_ore": row.loan_amount_dkk * 100, "granted_on": row.loan_granted_on}
    allowance = None
    if row.allowance_months is not None:
        allowance = {"months": row.allowance_months, "starts_on": _allowance_start(row)}
    account = None
    if (row.business_account_requested_on or row.business_account_opened_on or row.bank_name
            or row.fees_dkk is not None):
        account = {"requested_on": row.business_account_requested_on,
                   "opened_on": row.business_account_opened_on}
        if row.bank_name:
            account["bank_name"] = row.bank_name
        if row.fees_dkk is not None:
            account["fees_paid_ore"] = row.fees_dkk * 100
    business = None
    if row.business_started_on or account is not None:
        business = {"started_on": row.business_started_on}
    outcome = None
    if row.outcome:
        outcome = {"checkpoint": checkpoint_for(row), "result": OUTCOMES[row.outcome],
                   "recorded_on": row.outcome_on}
    if case is None:
        return Plan(row, None, fields, path, loan, allowance, business, account, outcome, changed=["created"])

    if not case.imported:
        raise _RowRefused("reference", _("a case with this case number was not imported; the import leaves it "
                                         "alone"))
    if case.status == S.ANONYMISED:
        raise _RowRefused("reference", _("the case has been anonymised"))
    for column in ("course_started_on", "course_completed_on", "loan_granted_on", "referred_ordinary_effort_on"):
        if getattr(case, column) and not fields[column]:
            raise _RowRefused(column, _("the case already has this date (%(date)s); the import does not take a "
                                        "step back. Leave the date in the file or correct it")
                              % {"date": getattr(case, column).isoformat()})
    statuses = [status for status, _day in path]
    if case.status == S.SUBMITTED:
        steps = path
    elif case.status in statuses:
        steps = path[statuses.index(case.status) + 1:]
    elif statuses and case.status in _reachable(statuses[-1]):
        steps = []  # the case has moved on in the system since
    else:
        raise _RowRefused("reference", _("the case is already at “%(status)s”, which the file does not lead "
                                         "to; the import does not take a step back")
                          % {"status": case.get_status_display()})
    changed = [name for name, value in fields.items() if getattr(case, name) != value]

    existing_loan = _related(case, "loan")
    if existing_loan is not None and loan is not None and (
            existing_loan.principal_ore != loan["principal_ore"] or existing_loan.granted_on != loan["granted_on"]):
        if existing_loan.ledger_entries.exists() or existing_loan.disbursements.exists():
            raise _RowRefused("loan_amount_dkk", _("the loan has payouts or payments booked; change it on the "
                                                   "case page"))
        changed.append("loan")
    elif existing_loan is None and loan is not None:
        changed.append("loan")
    existing_allowance = _related(case, "allowance")
    if allowance is not None:
        if existing_allowance is None:
            changed.append("allowance")
        elif (existing_allowance.months, existing_allowance.starts_on) != (allowance["months"],
                                                                           allowance["starts_on"]):
            if existing_allowance.payments.exists():
                raise _RowRefused("allowance_months", _("the allowance has payments recorded; change it on the "
                                                        "case page"))
            changed.append("allowance")
    existing_business = _related(case, "business")
    if business is not None and (existing_business is None
                                 or existing_business.started_on != business["started_on"]):
        changed.append("business")
    existing_account = _related(existing_business, "bank_account") if existing_business else None
    if account is not None and (existing_account is None or any(
            getattr(existing_account, name) != value for name, value in account.items())):
        changed.append("business_account")
    if outcome is not None:
        recorded = case.outcomes.filter(checkpoint=outcome["checkpoint"]).first()
        if recorded is None or (recorded.result, recorded.recorded_on) != (outcome["result"],
                                                                             outcome["recorded_on"]):
            changed.append("outcome")
    return Plan(row, case, fields, steps, loan, allowance, business, account, outcome, changed=changed)


# --- 3. Apply --------------------------------------------------------------------------------------


def import_user():
    """The account imported loans and outcomes are recorded by: it cannot
    sign in, and it says where the data came from."""
    user, created = get_user_model().objects.get_or_create(
        username=IMPORT_USERNAME,
        defaults={"first_name": "Import", "last_name": "(tidligere registreringer)", "is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _noon(day):
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def create_municipality(slug, name):
    """A municipality for the import, with a placeholder public site on the
    never-resolving ``.invalid`` host: its real site is set up later."""
    from wagtail.models import Page, Site

    root = Page.get_first_root_node()
    site = Site.objects.create(hostname=f"{slug}.invalid", port=80, root_page=root, site_name=name)
    return Municipality.objects.create(name=name, slug=slug, site=site)


def _policy(municipality):
    return LoanPolicy.objects.filter(municipality=municipality).first() if municipality else None


def import_cases(content, slug, *, create_name=None, today=None):
    """Parse, plan and apply ``content`` for the municipality ``slug``
    (created as ``create_name`` if missing and given). Returns an
    ``ImportResult``; raises ``ImportRefused`` and changes nothing when any
    row is wrong."""
    today = today or timezone.localdate()
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None:
        if not create_name:
            raise ImportRefused([_("No municipality with the short name “%(slug)s”. Give --create-municipality "
                                   "with its name to create it.") % {"slug": slug}])
        if not re.fullmatch(r"[-a-z0-9_]+", slug or "") or len(slug) > 50:
            raise ImportRefused([_("“%(slug)s” cannot be a short name: use small letters, digits and "
                                   "hyphens, e.g. aalborg.") % {"slug": slug}])
        if Municipality.objects.filter(name=create_name).exists():
            raise ImportRefused([_("Another municipality is already called “%(name)s”.") % {"name": create_name}])
    policy = _policy(municipality) or LoanPolicy()
    rows = parse(content, policy=policy, today=today)
    with transaction.atomic():
        created_municipality = municipality is None
        if created_municipality:
            municipality = create_municipality(slug, create_name)
        if not LoanPolicy.objects.filter(municipality=municipality).exists():
            policy = LoanPolicy.objects.create(municipality=municipality)
        else:
            policy = LoanPolicy.objects.get(municipality=municipality)
        # Lock the municipality's imported cases named in the file against a parallel import.
        list(Case.objects.select_for_update().filter(
            municipality=municipality, reference__in=[row.reference for row in rows]).values_list("pk"))
        plans = plan(rows, None if created_municipality else municipality, policy, today=today)
        result = ImportResult(municipality=municipality, municipality_created=created_municipality)
        user = import_user() if any(p.action != "unchanged" for p in plans) else None
        for item in plans:
            action = item.action
            if action != "unchanged":
                _apply(item, municipality, policy, user)
            getattr(result, action).append(item.row.reference)
    return result


def _apply(item, municipality, policy, user):
    row, case = item.row, item.case
    created = case is None
    first_day = row.received_on or row.course_started_on
    if created:
        kle_number, kle_facet = journal.default_kle(municipality)
        case = Case.objects.create(
            municipality=municipality, reference=row.reference, imported=True, status=S.SUBMITTED,
            kle_number=kle_number, kle_facet=kle_facet,
            status_changed_at=_noon(first_day) if first_day else timezone.now(), **item.fields)
    else:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **item.fields)
        case.refresh_from_db()
    log(instance=case, action=IMPORTED_ACTION,
        user=user, data={
        "reference": row.reference, "created": created, "changed": sorted(set(item.changed) - {"created"}),
        "line": row.line})
    for status, day in item.steps:
        transitions.transition(case, status, user=user, authorised=True, now=_noon(day) if day else None,
                               data={"reason": "import", "on": day.isoformat() if day else None})
    # The transitions end an open marker on the day they are dated; the
    # records say exactly when it runs.
    Case.objects.filter(pk=case.pk).update(marked_from=item.fields["marked_from"],
                                           marked_until=item.fields["marked_until"])
    if item.loan is not None:
        _save_loan(case, item.loan, policy, user)
    # The allowance's monthly amount is not in the records: 0 until staff enter it.
    if item.allowance is not None and not Allowance.objects.filter(case=case).update(**item.allowance):
        Allowance.objects.create(case=case, monthly_amount_ore=0, decision=None, **item.allowance)
    if item.business is not None:
        business = _related(case, "business") if not created else None
        if business is None:
            business = Business.objects.create(case=case, name=NOT_RECORDED, **item.business)
        elif business.started_on != item.business["started_on"]:
            Business.objects.filter(pk=business.pk).update(**item.business)
        if item.account is not None:
            account = BusinessAccount.objects.filter(business=business).first()
            if account is None:
                BusinessAccount.objects.create(business=business, **{"bank_name": NOT_RECORDED, **item.account})
            else:
                BusinessAccount.objects.filter(pk=account.pk).update(**item.account)
    if item.outcome is not None:
        Outcome.objects.update_or_create(
            case=case, checkpoint=item.outcome["checkpoint"],
            defaults={"result": item.outcome["result"], "recorded_on": item.outcome["recorded_on"],
                      "recorded_by": user, "note": ""})


def _save_loan(case, loan, policy, user):
    existing = Loan.objects.filter(case=case).first()
    if existing is None:
        Loan.objects.create(
            case=case, principal_ore=loan["principal_ore"], annual_interest_rate=policy.annual_interest_rate,
            grace_months=policy.grace_months, repayment_months=policy.repayment_months,
            granted_on=loan["granted_on"], granted_by=user, decision=None)
    elif (existing.principal_ore, existing.granted_on) != (loan["principal_ore"], loan["granted_on"]):
        Loan.objects.filter(pk=existing.pk).update(**loan)
