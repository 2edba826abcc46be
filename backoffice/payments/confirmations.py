"""Import the finance system's confirmation of the payment orders.

Columns (header row, ";" or "," separated, UTF-8 with or without BOM; see
docs/payment-orders.md): ``order_id`` (from the order file), ``status``
(``paid`` or ``rejected``), ``booked_on`` (ISO date; for a paid order),
``transaction_id`` (the finance system's id; for a paid order) and, if
wanted, ``message`` (why it was rejected, e.g. no NemKonto).

Idempotent like the payment import (``ledger_import``): a line that is
already recorded exactly so is counted as "already recorded", so the same
file twice changes nothing. All or nothing: if any line is wrong (an unknown
order, another municipality's order, a paid order with other data), nothing
is recorded and every error names its line."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import PaymentOrder
from ..services.payments import ORDER_CONFIRMED_ACTION, ORDER_REJECTED_ACTION
from . import CONFIRMATIONS_IMPORTED_ACTION, check_access
from .csv_format import CONFIRMATION_COLUMNS, PAID, REJECTED, FileRefused, read_rows

S = PaymentOrder.Status


@dataclass
class ConfirmationResult:
    confirmed: int = 0
    rejected: int = 0
    already_recorded: int = 0
    lines: int = 0
    orders: list = field(default_factory=list)


def _problems(line, value, order, seen):
    """What is wrong with one line, as a list (empty when it is fine)."""
    problems = []
    if order is None:
        problems.append(_("no payment order %(order)s in this municipality") % {"order": value["order_id"]})
    elif order.status == S.READY:
        problems.append(_("payment order %(order)s has not been sent to the finance system")
                        % {"order": order.pk})
    status = value["status"].lower()
    if status not in PAID + REJECTED:
        problems.append(_("the status “%(value)s” is not paid or rejected") % {"value": value["status"]})
    if status in PAID:
        try:
            datetime.date.fromisoformat(value["booked_on"])
        except ValueError:
            problems.append(_("the date “%(value)s” is not a date like 2026-03-01")
                            % {"value": value["booked_on"]})
        if not value["transaction_id"]:
            problems.append(_("the transaction id is missing"))
        elif len(value["transaction_id"]) > 100:
            problems.append(_("the transaction id is too long"))
        elif value["transaction_id"] in seen:
            problems.append(_("the transaction id is also on line %(line)s")
                            % {"line": seen[value["transaction_id"]]})
        else:
            seen[value["transaction_id"]] = line
    return problems


def import_confirmations(content, municipality, user):
    """Record the finance system's answer in ``content`` (bytes or text) on
    the orders of ``municipality`` as ``user`` (manage_loan there). Returns a
    ``ConfirmationResult``; raises ``FileRefused`` and records nothing if any
    line is wrong."""
    check_access(user, municipality)
    raw = read_rows(content, CONFIRMATION_COLUMNS)
    ids = {int(value["order_id"]) for _line, value in raw if value["order_id"].isdigit()}
    errors, result, seen = [], ConfirmationResult(lines=len(raw)), {}
    with transaction.atomic():
        # Only this municipality's orders: another's is "no payment order" (no hint that it exists).
        orders = {order.pk: order for order in PaymentOrder.objects.select_for_update(of=("self",))
                  .select_related("case").filter(municipality=municipality, pk__in=ids)}
        wanted = [value["transaction_id"] for _line, value in raw if value["transaction_id"]]
        taken = dict(PaymentOrder.objects.filter(municipality=municipality, transaction_id__in=wanted)
                     .values_list("transaction_id", "pk"))
        changes = []
        for line, value in raw:
            order = orders.get(int(value["order_id"])) if value["order_id"].isdigit() else None
            problems = _problems(line, value, order, seen)
            status = value["status"].lower()
            if not problems and status in PAID:
                booked_on = datetime.date.fromisoformat(value["booked_on"])
                if order.status == S.CONFIRMED:
                    if (order.transaction_id, order.booked_on) == (value["transaction_id"], booked_on):
                        result.already_recorded += 1
                        continue
                    problems.append(_("payment order %(order)s is already recorded as paid with another date "
                                      "or transaction id") % {"order": order.pk})
                elif taken.get(value["transaction_id"], order.pk) != order.pk:
                    problems.append(_("the transaction id is already recorded on another payment order"))
                else:
                    changes.append((order, S.CONFIRMED, booked_on, value["transaction_id"], ""))
            elif not problems:
                reason = value["message"][:200]
                if order.status == S.REJECTED and order.rejection_reason == reason:
                    result.already_recorded += 1
                    continue
                if order.status == S.CONFIRMED:
                    problems.append(_("payment order %(order)s is already recorded as paid")
                                    % {"order": order.pk})
                else:
                    changes.append((order, S.REJECTED, None, None, reason))
            if problems:
                errors.append(_("Line %(line)s: %(problems)s.")
                              % {"line": line, "problems": "; ".join(problems)})
        if errors:
            raise FileRefused(errors)
        for order, status, booked_on, transaction_id, reason in changes:
            order.status, order.booked_on, order.transaction_id, order.rejection_reason = (
                status, booked_on, transaction_id, reason)
            order.save(update_fields=["status", "booked_on", "transaction_id", "rejection_reason"])
            if status == S.CONFIRMED:
                result.confirmed += 1
                log(instance=order.case, action=ORDER_CONFIRMED_ACTION, user=user, data={
                    "reference": order.case.reference, "order": order.pk, "booked_on": booked_on.isoformat()})
            else:
                result.rejected += 1
                log(instance=order.case, action=ORDER_REJECTED_ACTION, user=user, data={
                    "reference": order.case.reference, "order": order.pk})
            result.orders.append(order)
        log(instance=municipality, action=CONFIRMATIONS_IMPORTED_ACTION, user=user, data={
            "lines": result.lines, "confirmed": result.confirmed, "rejected": result.rejected,
            "already_recorded": result.already_recorded})
    return result
