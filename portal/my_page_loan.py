"""My page: the citizen's loan – amount and terms, what has been paid out
and when, the repayment plan with each instalment's state, the balance,
the next instalment and how to pay, and the next follow-up.

Every number comes from ``backoffice.selectors_loans`` (the same reads as
the staff case page), so the citizen and staff always see the same sums;
this view only chooses the citizen's words. Access as on the rest of My
page: the case is looked up with the logged-in citizen and this site's
municipality, so anybody else gets a 404; a visitor who is not logged in
is sent to log in first (before any lookup)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from backoffice import selectors, selectors_collection, selectors_loans
from backoffice.models import Case, Loan

from .selectors import municipality_or_404

L = Loan.Status


def _own_case(request, reference):
    try:
        return selectors.case_for_citizen(request.user, municipality_or_404(request), reference)
    except Case.DoesNotExist:
        raise Http404 from None


def _row_state(row, today, paid_out):
    """One instalment's state in words (never told by colour alone)."""
    if row.is_paid:
        return "paid", _("Paid")
    if paid_out and row.due_on < today:
        if row.covered_ore:
            return "overdue", _("Partly paid, %(paid)s kr. – the date has passed") % {"paid": row.covered_kr}
        return "overdue", _("Not paid yet – the date has passed")
    if row.covered_ore:
        return "partly_paid", _("Partly paid, %(paid)s kr.") % {"paid": row.covered_kr}
    return "upcoming", _("Not due yet")


def _summary(loan, panel):
    """Where the loan stands, in one or two kind sentences."""
    if loan.status == L.REPAID:
        return "success", _("You have paid back your loan. You owe nothing more.")
    if loan.status in (L.WRITTEN_OFF, L.CLOSED):
        return "ended", _("Your loan is closed. You owe nothing more.")
    if not panel.totals.disbursed_ore:
        return "info", _("Your loan has not been paid out yet. We pay it into your business bank account once "
                         "we have checked the account.")
    if panel.days_past_due:
        return "action", ngettext(
            "A payment is %(days)d day late. It can happen. Please pay as soon as you can. If you cannot pay, "
            "write to us, and we will find a solution together.",
            "A payment is %(days)d days late. It can happen. Please pay as soon as you can. If you cannot pay, "
            "write to us, and we will find a solution together.",
            panel.days_past_due) % {"days": panel.days_past_due}
    return "info", _("You are paying back your loan as agreed.")


@never_cache
@login_required
def loan(request, reference):
    case = _own_case(request, reference)
    today = timezone.localdate()
    panel = selectors_loans.loan_panel(case, request.user, today=today)
    if panel.loan is None:
        raise Http404
    paid_out = bool(panel.totals.disbursed_ore)
    for row in panel.schedule:
        row.state, row.state_label = _row_state(row, today, paid_out)
    tone, summary = _summary(panel.loan, panel)
    return render(request, "portal/my_page/loan.html", {
        "case": case,
        "loan": panel.loan,
        "panel": panel,
        "kr": panel.kr,
        "tone": tone,
        "summary": summary,
        "payouts": [d for d in panel.disbursements if d.paid_on],
        "payout_pending": any(d.approved_at is None for d in panel.disbursements),
        "first_due": panel.schedule[0].due_on if panel.schedule else None,
        "last_due": panel.schedule[-1].due_on if panel.schedule else None,
        # Nothing to pay before the loan is paid out.
        "next_instalment": panel.next_instalment if paid_out else None,
        # Reminders, a deferral, a new plan, a handover: the same reads as the staff loan page.
        "collection": selectors_collection.collection_panel(case, request.user, panel, today=today),
        "follow_up": None if case.status in selectors.INPUT_CLOSED_STATUSES else selectors.next_follow_up(
            case, today),
    })
