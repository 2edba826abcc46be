"""The subsistence allowance (tilskud til forsørgelse) granted with the loan,
and the allowance paid for each month.

Rules built in:

- The allowance is recorded after the final decision to grant it
  (``DecisionKind.GRANT_ALLOWANCE`` through ``services.decisions``): that
  decision is the legal act towards the citizen; ``grant_allowance`` records
  the monthly amount, the number of months and the first month, and links
  the allowance to the decision. Without a final grant decision (or when the
  latest final allowance decision declines it) the allowance is refused. A
  decline is an adverse decision and goes through consultation in
  ``services.decisions`` like any other.
- The number of months defaults to the municipality's loan policy
  (``LoanPolicy.allowance_months``, 6 by default) and may be shorter, never
  longer. The allowance runs in whole months from the first of a month.
- One payment per granted month, never more than the monthly amount, never
  outside the granted months, paid on a day that is not in the future.
- Four eyes, as for loan payouts: one person requests the month's payment
  (``request_allowance_payment``), another approves it with the day it was
  paid (``approve_allowance_payment``). The approver is neither the person
  who requested it nor the person who granted the allowance (a database
  constraint backs the first). Only an approved payment counts as paid; a
  request not yet approved can be cancelled. The approval makes the payment
  order to the citizen's CPR NemKonto (``services.payments``).

Every write locks the case row, checks, saves and writes the audit entry on
the Case in one transaction. Audit data holds ids and months only."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import Allowance, AllowancePayment, Case, Decision, DecisionKind, LoanPolicy
from ..tenancy import may_act_on
from . import payments, transitions
from .loans import add_months, kroner
from .transitions import StaleCase, TransitionError

S = Case.Status

DECIDE_PERMISSION = "backoffice.decide_loan"
MANAGE_PERMISSION = "backoffice.manage_loan"

ALLOWANCE_GRANTED_ACTION = "backoffice.case.allowance_granted"
# The payment for a month is requested (recorded) by one person and approved by another.
ALLOWANCE_PAYMENT_ACTION = "backoffice.case.allowance_payment_recorded"
ALLOWANCE_PAYMENT_APPROVED_ACTION = "backoffice.case.allowance_payment_approved"
ALLOWANCE_PAYMENT_CANCELLED_ACTION = "backoffice.case.allowance_payment_cancelled"
ALLOWANCE_ACTIONS = (ALLOWANCE_GRANTED_ACTION, ALLOWANCE_PAYMENT_ACTION, ALLOWANCE_PAYMENT_APPROVED_ACTION,
                     ALLOWANCE_PAYMENT_CANCELLED_ACTION)

DEFAULT_MONTHS = 6
# Where the allowance decision is made (services.decisions.DECIDED_DURING) and
# the statuses after it while the business starts.
GRANTABLE_STATUSES = frozenset({S.COURSE_COMPLETED, S.LOAN_CONSULTATION, S.LOAN_GRANTED, S.BUSINESS_SETUP,
                                S.LOAN_DISBURSED, S.IN_REPAYMENT})
ALLOWANCE_DECISION_KINDS = (DecisionKind.GRANT_ALLOWANCE, DecisionKind.DECLINE_ALLOWANCE)


class AllowanceRefused(TransitionError):
    """A rule stops the step; ``message`` says why, for staff."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- Reads -----------------------------------------------------------------------------------------


def latest_grant_decision(decisions):
    """Of ``decisions`` (a case's, e.g. prefetched), the latest final allowance
    decision if it grants the allowance, else None. A later decline (e.g.
    after reconsideration) wins over an earlier grant."""
    final = [d for d in decisions if d.status == Decision.Status.FINAL and d.kind in ALLOWANCE_DECISION_KINDS]
    if not final:
        return None
    latest = max(final, key=lambda d: (d.decided_at or d.created_at, d.pk))
    return latest if latest.kind == DecisionKind.GRANT_ALLOWANCE else None


def final_grant_decision(case):
    """The latest final allowance decision on ``case`` if it grants, from the database."""
    return latest_grant_decision(Decision.objects.filter(
        case=case, status=Decision.Status.FINAL, kind__in=ALLOWANCE_DECISION_KINDS))


def policy_months(policy):
    return policy.allowance_months if policy is not None else DEFAULT_MONTHS


def granted_months(allowance):
    """The first day of each granted month, in order."""
    return [add_months(allowance.starts_on, number) for number in range(allowance.months)]


@dataclass(frozen=True)
class AllowanceTotals:
    granted_ore: int
    paid_ore: int
    months_paid: int
    months_left: int

    @property
    def left_ore(self):
        return self.granted_ore - self.paid_ore


def is_four_eyes_ok(payment, allowance, user):
    """Whether ``user`` may approve: neither the requester nor the granter."""
    return user.pk not in (payment.recorded_by_id, allowance.granted_by_id)


def totals(allowance):
    """Granted, paid so far (approved payments only), and months paid and
    left. Uses ``allowance.payments.all()``: no query when the payments are
    prefetched."""
    payments = [p for p in allowance.payments.all() if p.is_approved]
    paid_months = len({p.month for p in payments})
    return AllowanceTotals(
        granted_ore=allowance.monthly_amount_ore * allowance.months,
        paid_ore=sum(p.amount_ore for p in payments),
        months_paid=paid_months,
        months_left=max(allowance.months - paid_months, 0),
    )


def section(case, user=None):
    """What the case page's allowance section shows, from what
    ``CASE_PAGE_QUERYSET`` loaded (``allowance``, ``allowance__payments`` with
    ``recorded_by``, ``decisions``, ``municipality__loan_policy``): no queries."""
    allowance = getattr(case, "allowance", None)
    data = {"allowance": allowance, "grant_decision": None, "default_months": None, "rows": [],
            "unpaid_months": [], "totals": None, "kr": {}}
    if allowance is None:
        data["grant_decision"] = latest_grant_decision(case.decisions.all())
        if data["grant_decision"] is not None:
            data["default_months"] = policy_months(getattr(case.municipality, "loan_policy", None))
            data["first_month"] = add_months(timezone.localdate().replace(day=1), 1)
        return data
    by_month = {p.month: p for p in allowance.payments.all()}
    data["rows"] = [{"month": month, "payment": by_month.get(month)} for month in granted_months(allowance)]
    for row in data["rows"]:
        payment = row["payment"]
        if payment is not None:
            row["amount_kr"] = kroner(payment.amount_ore)
            row["approved"] = payment.is_approved
            row["may_approve"] = (user is not None and not payment.is_approved
                                  and is_four_eyes_ok(payment, allowance, user))
    data["unpaid_months"] = [row["month"] for row in data["rows"] if row["payment"] is None]
    data["pending"] = sum(1 for row in data["rows"] if row["payment"] is not None and not row["approved"])
    data["totals"] = totals(allowance)
    data["kr"] = {"monthly": kroner(allowance.monthly_amount_ore), "granted": kroner(data["totals"].granted_ore),
                  "paid": kroner(data["totals"].paid_ore), "left": kroner(data["totals"].left_ore)}
    return data


# --- Helpers ---------------------------------------------------------------------------------------


def _lock(case, user, permission, expected_version=None):
    if not (user.is_authenticated and user.has_perm(permission) and may_act_on(user, case)):
        raise PermissionDenied
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleCase
    return locked


def _changed(case, locked):
    transitions.bump_version(locked)
    case.version = locked.version


def _positive(amount_ore):
    if not isinstance(amount_ore, int) or isinstance(amount_ore, bool) or amount_ore <= 0:
        raise AllowanceRefused(_("The amount must be more than 0 kr."), code="amount")
    return amount_ore


def _first_of_month(day, code):
    if not isinstance(day, datetime.date) or day.day != 1:
        raise AllowanceRefused(_("Use the first day of the month."), code=code)
    return day


# --- Writes ----------------------------------------------------------------------------------------


def grant_allowance(case, user, *, monthly_amount_ore, months=None, starts_on, expected_version=None):
    """Record the granted allowance: ``monthly_amount_ore`` for ``months``
    months (default: the municipality's loan policy) from ``starts_on`` (the
    first of a month). Call it after the final GRANT_ALLOWANCE decision; the
    allowance is linked to that decision."""
    monthly_amount_ore = _positive(monthly_amount_ore)
    starts_on = _first_of_month(starts_on, "starts_on")
    with transaction.atomic():
        locked = _lock(case, user, DECIDE_PERMISSION, expected_version)
        if Allowance.objects.filter(case=locked).exists():
            raise AllowanceRefused(_("An allowance has already been granted on this case."), code="exists")
        decision = final_grant_decision(locked)
        if decision is None:
            raise AllowanceRefused(_("Make the decision to grant the subsistence allowance first. The allowance "
                                     "is recorded after the final decision."), code="decision_required")
        if locked.status not in GRANTABLE_STATUSES:
            raise AllowanceRefused(_("An allowance cannot be granted on the case in its present status."),
                                   code="wrong_status")
        most = policy_months(LoanPolicy.objects.filter(municipality_id=locked.municipality_id).first())
        months = most if months is None else int(months)
        if not 1 <= months <= most:
            raise AllowanceRefused(_("The allowance can run for 1 to %(months)s months (the loan policy).")
                                   % {"months": most}, code="months")
        allowance = Allowance(case=locked, monthly_amount_ore=monthly_amount_ore, months=months,
                              starts_on=starts_on, decision=decision, granted_by=user)
        allowance.full_clean()
        allowance.save()
        _changed(case, locked)
        log(instance=case, action=ALLOWANCE_GRANTED_ACTION, user=user, data={
            "reference": locked.reference, "allowance": allowance.pk, "decision": decision.pk,
            "months": months, "starts_on": starts_on.isoformat(),
        })
    allowance.case = case
    return allowance


def request_allowance_payment(allowance, user, *, month, amount_ore, expected_version=None):
    """Ask for the allowance for ``month`` (the first of a granted month) to
    be paid: ``amount_ore``, at most the monthly amount. One payment per
    month; a second is refused. Another person approves it."""
    case = allowance.case
    amount_ore = _positive(amount_ore)
    month = _first_of_month(month, "month")
    with transaction.atomic():
        locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
        current = _allowance_for(locked, allowance)
        if month not in granted_months(current):
            raise AllowanceRefused(
                _("%(month)s is not one of the granted months (%(first)s to %(last)s).") % {
                    "month": _month_label(month), "first": _month_label(current.starts_on),
                    "last": _month_label(add_months(current.starts_on, current.months - 1))},
                code="month_outside")
        if AllowancePayment.objects.filter(allowance=current, month=month).exists():
            raise AllowanceRefused(
                _("The allowance for %(month)s has already been recorded. A month can only be paid once.")
                % {"month": _month_label(month)}, code="already_paid")
        if amount_ore > current.monthly_amount_ore:
            raise AllowanceRefused(_("The amount cannot be more than the monthly allowance of %(amount)s kr.")
                                   % {"amount": kroner(current.monthly_amount_ore)}, code="amount_cap")
        payment = AllowancePayment.objects.create(allowance=current, month=month, amount_ore=amount_ore,
                                                  recorded_by=user)
        _changed(case, locked)
        log(instance=case, action=ALLOWANCE_PAYMENT_ACTION, user=user, data={
            "reference": locked.reference, "allowance": current.pk, "payment": payment.pk,
            "month": month.strftime("%Y-%m"),
        })
    return payment


def approve_allowance_payment(payment, user, *, paid_on, expected_version=None, today=None):
    """Approve the month's payment, paid on ``paid_on`` (not in the future),
    by a second person: not the one who requested it and not the one who
    granted the allowance (four eyes). Only then does it count as paid."""
    case = payment.allowance.case
    today = today or timezone.localdate()
    if not isinstance(paid_on, datetime.date) or paid_on > today:
        raise AllowanceRefused(_("The payment date cannot be in the future."), code="paid_on")
    with transaction.atomic():
        locked, current, fresh = _locked_payment(case, user, payment, expected_version)
        if fresh.is_approved:
            raise StaleCase  # approved by someone else meanwhile
        if not is_four_eyes_ok(fresh, current, user):
            raise AllowanceRefused(
                _("Another person must approve the allowance payment: not the one who asked for it, and not "
                  "the one who granted the allowance (four eyes)."), code="four_eyes")
        fresh.approved_by, fresh.approved_at, fresh.paid_on = user, timezone.now(), paid_on
        fresh.save(update_fields=["approved_by", "approved_at", "paid_on"])
        # The money leaves through NemKonto, to the citizen's CPR (services.payments).
        order = payments.order_for_allowance_payment(locked, fresh, user)
        _changed(case, locked)
        log(instance=case, action=ALLOWANCE_PAYMENT_APPROVED_ACTION, user=user, data={
            "reference": locked.reference, "allowance": current.pk, "payment": fresh.pk,
            "month": fresh.month.strftime("%Y-%m"), "paid_on": paid_on.isoformat(), "order": order.pk,
        })
    return fresh


def cancel_allowance_payment(payment, user, *, expected_version=None):
    """Withdraw a payment request that has not been approved (e.g. a wrong
    amount): the month can then be requested again."""
    case = payment.allowance.case
    with transaction.atomic():
        locked, current, fresh = _locked_payment(case, user, payment, expected_version)
        if fresh.is_approved:
            raise AllowanceRefused(_("The payment has been approved and cannot be cancelled."),
                                   code="approved")
        if fresh.paid_on is not None:
            # Recorded as paid before payments needed a second person: the
            # money has gone, so it can only be approved, never asked again.
            raise AllowanceRefused(_("The payment was recorded as paid before approvals were needed. A second "
                                     "person can approve it; it cannot be cancelled."), code="paid")
        pk, month = fresh.pk, fresh.month
        fresh.delete()
        _changed(case, locked)
        log(instance=case, action=ALLOWANCE_PAYMENT_CANCELLED_ACTION, user=user, data={
            "reference": locked.reference, "allowance": current.pk, "payment": pk,
            "month": month.strftime("%Y-%m"),
        })
    return case


def _locked_payment(case, user, payment, expected_version):
    """The locked case, its allowance and the payment request, or refused."""
    locked = _lock(case, user, MANAGE_PERMISSION, expected_version)
    current = _allowance_for(locked, payment.allowance)
    fresh = AllowancePayment.objects.select_for_update().filter(pk=payment.pk, allowance=current).first()
    if fresh is None:
        raise AllowanceRefused(_("The payment request no longer exists."), code="not_found")
    return locked, current, fresh


def _allowance_for(locked, allowance):
    if locked.status == S.ANONYMISED:
        raise AllowanceRefused(_("The case has been anonymised."), code="wrong_status")
    current = Allowance.objects.select_for_update().filter(pk=allowance.pk, case=locked).first()
    if current is None:
        raise AllowanceRefused(_("There is no allowance on this case."), code="no_allowance")
    return current


def _month_label(day):
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


__all__ = ["AllowanceRefused", "StaleCase", "grant_allowance", "request_allowance_payment",
           "approve_allowance_payment", "cancel_allowance_payment", "totals", "section"]
