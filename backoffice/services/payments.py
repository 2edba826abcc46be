"""Payment orders through NemKonto: made when a payout is approved.

Rules built in:

- An authority pays through NemKonto, addressed by CPR or CVR number, never
  into an account typed into its own system. So the approval of a loan
  payout (``services.loans.approve_disbursement``) or of a month's
  allowance (``services.allowance.approve_allowance_payment``), with its
  four eyes unchanged, makes one ``PaymentOrder`` in the same transaction.
- A loan goes to the NemKonto of the business's CVR number, which staff
  verified as a business account (``BusinessAccount.nemkonto_cvr``, set by
  ``services.business.verify_business_account``). Never to a person's CPR
  NemKonto: money there is set off against public debt (Gældsstyrelsen).
  ``create_order`` refuses it with a message; the order's CHECK constraint
  and trigger (migration 0012) refuse any other path.
- The allowance goes to the citizen's own CPR NemKonto.
- The payment text is the case reference: the finance system and the
  bank statement show it, and it says nothing about the person.

Audit data holds ids, kinds and amounts, never the CPR or CVR number."""

import re

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import BusinessAccount, CaseApplication, PaymentBatch, PaymentOrder
from ..validators import cvr_is_valid
from .transitions import TransitionError

ORDER_CREATED_ACTION = "backoffice.case.payment_order_created"
ORDER_EXPORTED_ACTION = "backoffice.case.payment_order_exported"
ORDER_CONFIRMED_ACTION = "backoffice.case.payment_order_confirmed"
ORDER_REJECTED_ACTION = "backoffice.case.payment_order_rejected"
PAYMENT_ACTIONS = (ORDER_CREATED_ACTION, ORDER_EXPORTED_ACTION, ORDER_CONFIRMED_ACTION, ORDER_REJECTED_ACTION)

MANAGE_PERMISSION = "backoffice.manage_loan"

K = PaymentOrder.Kind
R = PaymentOrder.RecipientType

LOAN_TO_CPR_MESSAGE = _(
    "A loan is paid only to the NemKonto of the business's CVR number, never to a person's CPR NemKonto: "
    "money there can be set off against public debt."
)
NO_NEMKONTO_MESSAGE = _(
    "The business has no verified NemKonto for its CVR number. Verify the business's account (the bank's "
    "confirmation that it is the NemKonto of the CVR number) before the loan is paid out."
)

_CPR_RE = re.compile(r"^[0-9]{10}$")


class PaymentRefused(TransitionError):
    """The order cannot be made; ``message`` says why, for staff."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- Who is paid -----------------------------------------------------------------------------------


def nemkonto_cvr(account):
    """The CVR number whose business NemKonto ``account`` is verified as,
    or None: verified, and still the business's own CVR number."""
    if account is None or not account.is_verified:
        return None
    cvr = account.nemkonto_cvr
    if not cvr or not cvr_is_valid(cvr) or cvr != account.business.cvr_number:
        return None
    return cvr


def citizen_cpr(case):
    """The citizen's CPR number as 10 digits, or None (e.g. anonymised)."""
    application = CaseApplication.objects.filter(case=case).only("cpr_number").first()
    cpr = (application.cpr_number if application else "").replace("-", "")
    return cpr if _CPR_RE.match(cpr) else None


# --- Writes (inside the approval's transaction, with the case locked) -----------------------------


def create_order(case, user, *, kind, recipient_type, recipient_number, amount_ore, payment_date,
                 disbursement=None, allowance_payment=None):
    """Make the payment order for an approved payout. Call it inside the
    approval's transaction: the caller has locked the case and checked the
    permission and the four eyes. Refuses a loan to anything but the
    verified business NemKonto of the case's CVR, and an allowance to
    anything but the citizen's CPR."""
    if kind == K.LOAN:
        if recipient_type != R.CVR:
            raise PaymentRefused(LOAN_TO_CPR_MESSAGE, code="loan_to_cpr")
        account_id = getattr(disbursement, "business_account_id", None)
        account = (BusinessAccount.objects.select_related("business")
                   .filter(pk=account_id, business__case=case).first())
        if recipient_number != nemkonto_cvr(account):
            raise PaymentRefused(NO_NEMKONTO_MESSAGE, code="no_nemkonto")
    elif kind == K.ALLOWANCE:
        if recipient_type != R.CPR or recipient_number != citizen_cpr(case):
            raise PaymentRefused(_("The allowance is paid only to the citizen's own CPR NemKonto."),
                                 code="allowance_recipient")
    else:
        raise PaymentRefused(_("Unknown kind of payment."), code="kind")
    order = PaymentOrder.objects.create(
        municipality_id=case.municipality_id, case=case, kind=kind, recipient_type=recipient_type,
        recipient_number=recipient_number, amount_ore=amount_ore, payment_date=payment_date,
        payment_text=case.reference[:35], disbursement=disbursement, allowance_payment=allowance_payment,
        created_by=user)
    log(instance=case, action=ORDER_CREATED_ACTION, user=user, data={
        "reference": case.reference, "order": order.pk, "kind": kind, "amount_ore": amount_ore,
        "payment_date": payment_date.isoformat(),
        "disbursement": getattr(disbursement, "pk", None),
        "allowance_payment": getattr(allowance_payment, "pk", None),
    })
    return order


def order_for_disbursement(case, disbursement, user):
    """The order for an approved loan payout: to the business's CVR NemKonto."""
    account = (BusinessAccount.objects.select_related("business")
               .filter(pk=disbursement.business_account_id, business__case=case).first())
    cvr = nemkonto_cvr(account)
    if cvr is None:
        raise PaymentRefused(NO_NEMKONTO_MESSAGE, code="no_nemkonto")
    return create_order(case, user, kind=K.LOAN, recipient_type=R.CVR, recipient_number=cvr,
                        amount_ore=disbursement.amount_ore, payment_date=disbursement.paid_on,
                        disbursement=disbursement)


def order_for_allowance_payment(case, payment, user):
    """The order for an approved month of allowance: to the citizen's CPR NemKonto."""
    cpr = citizen_cpr(case)
    if cpr is None:
        raise PaymentRefused(_("The citizen's CPR number is missing, so the allowance cannot be paid through "
                               "NemKonto."), code="no_cpr")
    return create_order(case, user, kind=K.ALLOWANCE, recipient_type=R.CPR, recipient_number=cpr,
                        amount_ore=payment.amount_ore, payment_date=payment.paid_on,
                        allowance_payment=payment)



# --- Anonymisation -------------------------------------------------------------------------------------


ANONYMISED_CVR = "0" * 8
ANONYMISED_CPR = "0" * 10


def anonymise(case):
    """When ``case`` is anonymised (``services.retention``'s hook, inside its
    transaction): its orders keep kind, amount and dates for the accounts,
    but no longer say who was paid; the kept files are rewritten without
    the case's numbers (the finance system holds what was sent)."""
    from ..payments.csv_format import order_lines

    orders = PaymentOrder.objects.filter(case=case)
    orders.filter(kind=K.LOAN).update(recipient_number=ANONYMISED_CVR)
    orders.filter(kind=K.ALLOWANCE).update(recipient_number=ANONYMISED_CPR)
    BusinessAccount.objects.filter(business__case=case).update(nemkonto_cvr="")
    for batch in PaymentBatch.objects.filter(orders__case=case).exclude(content="").distinct():
        batch.content = order_lines(batch.orders.select_related("case").order_by("payment_date", "pk"))
        batch.save(update_fields=["content"])
