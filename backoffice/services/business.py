"""The citizen's business and its business bank account, and staff's check
of the account.

The account is the trial's main barrier: the loan is paid only into a
verified business account (never a personal one, where it could be seized
for public debt). So the citizen registers the business and the account on
My page, with the bank's confirmation as proof, and a staff member with the
loan permission verifies it against the proof. When the citizen changes
what was verified (the account, or the business's CVR number or name that
the bank's confirmation names), the verification is withdrawn: staff must
look again before money can go there.

The citizen's first registration moves a granted case into business set-up
(``LOAN_GRANTED`` → ``BUSINESS_SETUP``), as the citizen's own action
(``authorised=True``, the way ``services.citizen`` does it).

Writes check → save → audit in one transaction, on the locked case. Audit
data holds ids, field names and dates, never the CVR, account number or
bank name (a sole trader's CVR and account point at one person).
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateField, F
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import Business, BusinessAccount, Case, Document
from ..selectors import HIDDEN_STATUSES
from ..tenancy import cases_for_staff, may_act_on
from ..selectors_registers import company_check
from ..validators import compact_cvr, cvr_is_valid, danish_account_from_iban
from . import citizen as citizen_services
from . import notifications, registers, transitions
from .transitions import StaleCase, TransitionError

S = Case.Status

BUSINESS_REGISTERED_ACTION = "backoffice.case.business_registered"
ACCOUNT_REGISTERED_ACTION = "backoffice.case.business_account_registered"
ACCOUNT_VERIFIED_ACTION = "backoffice.case.business_account_verified"
BUSINESS_ACTIONS = (BUSINESS_REGISTERED_ACTION, ACCOUNT_REGISTERED_ACTION, ACCOUNT_VERIFIED_ACTION)

VERIFY_PERMISSION = "backoffice.manage_loan"
# Where the citizen registers the business and the account: from the loan
# grant until the loan is paid out.
SETUP_STATUSES = frozenset({S.LOAN_GRANTED, S.BUSINESS_SETUP})
# The business itself can still be completed after the payout (often it
# starts then, and the start date is what the monthly reports count from).
BUSINESS_STATUSES = SETUP_STATUSES | {S.LOAN_DISBURSED, S.IN_REPAYMENT}

# What the bank's confirmation shows: a change to any of these withdraws a verification.
BUSINESS_VERIFIED_FIELDS = ("cvr_number", "name")
ACCOUNT_FIELDS = ("bank_name", "registration_number", "account_number", "requested_on", "opened_on",
                  "fees_paid_ore")

_REG_RE = re.compile(r"^\d{4}$")
_ACCOUNT_RE = re.compile(r"^\d{1,10}$")

__all__ = [
    "BusinessRefused", "StaleCase", "register_business", "register_business_account",
    "verify_business_account", "cases_waiting_for_account", "WaitingCase",
]


class BusinessRefused(TransitionError):
    """The change cannot be made now; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- Checks ---------------------------------------------------------------------------------------


def _own_locked_case(case, citizen):
    """The citizen's own case, locked. Anybody else: PermissionDenied."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if (citizen is None or not citizen.is_authenticated or locked.citizen_id != citizen.pk
            or locked.status in HIDDEN_STATUSES):
        raise PermissionDenied
    return locked


def _check_setup_status(locked, statuses=SETUP_STATUSES):
    if locked.status not in statuses:
        raise BusinessRefused(_("The business and its bank account are registered after the loan is "
                                "granted and before it is paid out. This case is not at that stage."))


def _start_setup(case, locked, citizen, reason):
    """The citizen's first registration on a granted loan starts the business set-up."""
    if locked.status == S.LOAN_GRANTED:
        citizen_services.transition_case(locked, S.BUSINESS_SETUP, user=citizen, data={"reason": reason})
        case.status, case.status_changed_at = locked.status, locked.status_changed_at
    else:
        transitions.bump_version(locked)
    case.version = locked.version


def _date(value, field, errors, *, today):
    if value in (None, ""):
        return None
    if not isinstance(value, datetime.date):
        errors[field] = _("Give a valid date.")
        return None
    if value > today:
        errors[field] = _("The date cannot be in the future.")
    return value


def clean_business(data, *, today=None):
    """The business fields as they will be saved, or ``ValidationError`` per field."""
    today = today or timezone.localdate()
    errors = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Write the name of the business.")
    elif len(name) > Business._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    # As typed on the papers from the Danish Business Authority: "DK 1234 5674" is 12345674.
    cvr = compact_cvr(data.get("cvr_number"))
    if cvr and not cvr_is_valid(cvr):
        errors["cvr_number"] = _("This is not a valid CVR number. It has 8 digits; check them against "
                                 "the registration from the Danish Business Authority.")
    industry = (data.get("industry") or "").strip()
    if len(industry) > Business._meta.get_field("industry").max_length:
        errors["industry"] = _("The industry is too long.")
    started_on = data.get("started_on")
    if started_on not in (None, "") and not isinstance(started_on, datetime.date):
        errors["started_on"] = _("Give a valid date.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "cvr_number": cvr, "industry": industry, "started_on": started_on or None}


def clean_account(data, *, today=None):
    """The account fields as they will be saved, or ``ValidationError`` per field."""
    today = today or timezone.localdate()
    errors = {}
    bank_name = (data.get("bank_name") or "").strip()
    if not bank_name:
        errors["bank_name"] = _("Write the name of the bank.")
    elif len(bank_name) > BusinessAccount._meta.get_field("bank_name").max_length:
        errors["bank_name"] = _("The name of the bank is too long.")
    requested_on = _date(data.get("requested_on"), "requested_on", errors, today=today)
    opened_on = _date(data.get("opened_on"), "opened_on", errors, today=today)
    if requested_on and opened_on and opened_on < requested_on:
        errors["opened_on"] = _("The account cannot be opened before you asked the bank for it.")
    registration_number = re.sub(r"[\s-]", "", data.get("registration_number") or "")
    account_number = re.sub(r"[\s-]", "", data.get("account_number") or "")
    # The citizen may paste the IBAN (DK…) from the bank's confirmation instead of the account number.
    try:
        from_iban = danish_account_from_iban(account_number)
    except ValidationError as error:
        errors["account_number"] = error.messages[0]
        from_iban = None
    if from_iban:
        if registration_number and registration_number != from_iban[0]:
            errors["registration_number"] = _("The registration number differs from the one in the IBAN.")
        registration_number, account_number = from_iban
    if registration_number and not _REG_RE.match(registration_number):
        errors["registration_number"] = _("The registration number has 4 digits.")
    if account_number and "account_number" not in errors and not _ACCOUNT_RE.match(account_number):
        errors["account_number"] = _("The account number has up to 10 digits.")
    if opened_on and not registration_number and "registration_number" not in errors:
        errors["registration_number"] = _("Write the registration number of the opened account.")
    if opened_on and not account_number and "account_number" not in errors:
        errors["account_number"] = _("Write the account number of the opened account.")
    fees = data.get("fees_paid_ore") or 0
    if not isinstance(fees, int) or fees < 0:
        errors["fees_paid_ore"] = _("The fees must be an amount of zero or more.")
    notes = (data.get("notes") or "").strip()
    if len(notes) > 2000:
        errors["notes"] = _("The notes are too long.")
    if errors:
        raise ValidationError(errors)
    return {"bank_name": bank_name, "requested_on": requested_on, "opened_on": opened_on,
            "registration_number": registration_number, "account_number": account_number,
            "fees_paid_ore": fees, "notes": notes}


def _unverify(account):
    account.verified_by = None
    account.verified_at = None


# --- The citizen's writes -------------------------------------------------------------------------


def register_business(case, citizen, data, *, today=None):
    """Register (or change) the business: ``data`` has ``name``,
    ``cvr_number`` (may be empty while the business is not yet registered),
    ``industry`` and ``started_on``. Only the case's citizen. Returns the
    ``Business``. Raises ``ValidationError``, ``BusinessRefused``,
    ``PermissionDenied``."""
    fields = clean_business(data, today=today)
    with transaction.atomic():
        locked = _own_locked_case(case, citizen)
        _check_setup_status(locked, BUSINESS_STATUSES)
        business = Business.objects.select_for_update().filter(case=locked).first()
        created = business is None
        if created:
            business = Business(case=locked)
        changed = sorted(name for name, value in fields.items() if getattr(business, name) != value)
        if not created and not changed:
            return business
        for name, value in fields.items():
            setattr(business, name, value)
        business.save()
        unverified = False
        if not created and set(changed) & set(BUSINESS_VERIFIED_FIELDS):
            account = BusinessAccount.objects.select_for_update().filter(business=business).first()
            if account is not None and account.is_verified:
                _unverify(account)
                account.save(update_fields=["verified_by", "verified_at"])
                unverified = True
        log(instance=case, action=BUSINESS_REGISTERED_ACTION, user=citizen, data={
            "reference": locked.reference, "business": business.pk, "created": created,
            "changed": changed, "unverified": unverified,
        })
        _start_setup(case, locked, citizen, "business_registered")
        notifications.notify_staff(case, notifications.STAFF_BUSINESS)
        if business.cvr_number and (created or "cvr_number" in changed):
            # After the commit, as a task: the register being slow or down never blocks the citizen.
            registers.enqueue_company_lookup(case)
    return business


def register_business_account(case, citizen, data, proof_upload=None, *, today=None):
    """Register (or change) the business bank account, with the bank's
    confirmation as ``proof_upload`` (a ``ValidatedUpload``). Needs the
    business first. A change to a verified account withdraws the
    verification. Returns the ``BusinessAccount``."""
    fields = clean_account(data, today=today)
    stored = None
    try:
        with transaction.atomic():
            locked = _own_locked_case(case, citizen)
            _check_setup_status(locked)
            business = Business.objects.filter(case=locked).first()
            if business is None:
                raise BusinessRefused(_("Register the business first, then its bank account."))
            account = BusinessAccount.objects.select_for_update().filter(business=business).first()
            created = account is None
            if created:
                account = BusinessAccount(business=business)
            changed = sorted(name for name, value in fields.items() if getattr(account, name) != value)
            if proof_upload is not None:
                stored = citizen_services.add_citizen_document(
                    locked, citizen, proof_upload, kind=Document.Kind.BANK_CONFIRMATION)
                account.proof = stored
                changed.append("proof")
            if not created and not changed:
                return account
            unverified = account.is_verified and bool(set(changed) - {"notes"})
            if unverified:
                _unverify(account)
            for name, value in fields.items():
                setattr(account, name, value)
            account.save()
            log(instance=case, action=ACCOUNT_REGISTERED_ACTION, user=citizen, data={
                "reference": locked.reference, "account": account.pk, "created": created,
                "changed": changed, "unverified": unverified,
                "requested_on": _iso(account.requested_on), "opened_on": _iso(account.opened_on),
                "proof": stored.pk if stored else None,
            })
            _start_setup(case, locked, citizen, "business_account_registered")
            notifications.notify_staff(case, notifications.STAFF_BUSINESS)
    except BaseException:
        if stored is not None:  # the row is rolled back; remove the file too
            stored.file.storage.delete(stored.file.name)
        raise
    return account


def _iso(value):
    return value.isoformat() if value else None


# --- Staff's verification -------------------------------------------------------------------------


def verify_business_account(account, user, *, expected_version, now=None, confirmed_register_warnings=False):
    """A staff member with the loan permission, in the case's municipality,
    confirms against the bank's proof that the account is the business
    NemKonto of the business's CVR number (recorded as ``nemkonto_cvr``: the
    loan's payment orders go to that CVR). Refused without a valid CVR number. Refused without proof
    (or with a file the virus scan found infected) and without the account's
    numbers, and, when the CVR register disagrees with the business (not
    found, other name, not active, not reachable), unless the staff member
    confirms they checked it (``confirmed_register_warnings``). Raises
    ``PermissionDenied``, ``StaleCase``, ``BusinessRefused``."""
    now = now or timezone.now()
    case = account.business.case
    if not (user.has_perm(VERIFY_PERMISSION) and may_act_on(user, case)):
        raise PermissionDenied
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise StaleCase
        fresh = BusinessAccount.objects.select_for_update(of=("self",)).select_related("proof").get(pk=account.pk)
        if fresh.is_verified:
            raise BusinessRefused(_("The account has already been verified."))
        if fresh.proof is None or fresh.proof.scan_status == Document.ScanStatus.INFECTED:
            raise BusinessRefused(_("There is no confirmation from the bank to check the account against. "
                                    "Ask the citizen to upload it on My page."))
        if not (fresh.opened_on and fresh.registration_number and fresh.account_number):
            raise BusinessRefused(_("The account is not registered as opened, with its registration and "
                                    "account number. Ask the citizen to complete it on My page."))
        business = Business.objects.select_related("cvr_lookup").get(pk=fresh.business_id)
        if not cvr_is_valid(business.cvr_number):
            # The loan is paid to the NemKonto of the CVR number: without one there is nowhere to pay.
            raise BusinessRefused(_("The business has no valid CVR number, so it has no business NemKonto. "
                                    "Ask the citizen to register the CVR number on My page."))
        register = company_check(business)
        if register.needs_confirmation and not confirmed_register_warnings:
            raise BusinessRefused(_("The CVR register does not match the business the citizen registered. "
                                    "Check the business, then tick the confirmation to verify the account."))
        # What staff confirm: the account is the NemKonto of this CVR number, a business account.
        BusinessAccount.objects.filter(pk=fresh.pk).update(verified_by=user, verified_at=now,
                                                           nemkonto_cvr=business.cvr_number)
        account.verified_by, account.verified_at, account.nemkonto_cvr = user, now, business.cvr_number
        log(instance=case, action=ACCOUNT_VERIFIED_ACTION, user=user, data={
            "reference": locked.reference, "account": fresh.pk, "proof": fresh.proof_id,
            "register_lookup": register.lookup.pk if register.lookup else None,
            "register_warnings": list(register.warnings),
        })
        transitions.bump_version(locked)
        case.version = locked.version
        # "There is news on My page", after commit and without content.
        notifications.notify_citizen(case, notifications.CITIZEN_ACCOUNT_VERIFIED)
    return account


# --- Reads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingCase:
    case: Case
    business: Business | None
    account: BusinessAccount | None
    waiting_since: datetime.date
    days_waiting: int
    requested_on: datetime.date | None
    days_since_requested: int | None


def waiting_since(case):
    """From when the case waits for a business account: the loan grant (or,
    without a loan row, when the case entered its status)."""
    loan = getattr(case, "loan", None) if _has_loan(case) else None
    if loan is not None:
        return loan.granted_on
    return timezone.localdate(case.status_changed_at)


def _has_loan(case):
    try:
        return case.loan is not None
    except Case.loan.RelatedObjectDoesNotExist:
        return False


def cases_waiting_for_account(user, *, today=None):
    """Cases ``user`` may see that have a granted loan but no verified
    business account yet, oldest first: the list of the trial's main barrier."""
    today = today or timezone.localdate()
    queryset = (
        cases_for_staff(user)
        .filter(status__in=SETUP_STATUSES)
        # A LEFT JOIN: no business, no account, or an account not verified.
        .filter(business__bank_account__verified_at__isnull=True)
        .select_related("loan", "business__bank_account", "assigned_to")
        .annotate(waiting_from=Coalesce(F("loan__granted_on"), TruncDate("status_changed_at"),
                                        output_field=DateField()))
        .order_by("waiting_from", "pk")
    )
    result = []
    for case in queryset:
        since = case.waiting_from or waiting_since(case)
        account = _account(case)
        requested_on = account.requested_on if account else None
        result.append(WaitingCase(
            case=case, business=_business(case), account=account, waiting_since=since,
            days_waiting=(today - since).days, requested_on=requested_on,
            days_since_requested=(today - requested_on).days if requested_on else None,
        ))
    return result


def _business(case):
    try:
        return case.business
    except Business.DoesNotExist:
        return None


def _account(case):
    """The case's account from what is loaded (``select_related``), or None."""
    try:
        return case.business.bank_account
    except (Business.DoesNotExist, BusinessAccount.DoesNotExist):
        return None


def section(case, *, today=None):
    """What the case page's business section shows, from what
    ``CASE_PAGE_QUERYSET`` loaded (``business__bank_account__proof``,
    ``business__bank_account__verified_by``, ``business__cvr_lookup``,
    ``loan``): no queries."""
    today = today or timezone.localdate()
    business = _business(case)
    account = _account(case)
    loan = case.loan if _has_loan(case) else None
    waiting = case.status in SETUP_STATUSES and not (account and account.is_verified)
    since = waiting_since(case) if waiting else None
    return {
        "business": business, "account": account, "loan_granted_on": loan.granted_on if loan else None,
        "waiting": waiting, "waiting_since": since, "days_waiting": (today - since).days if since else None,
        "days_since_requested": (today - account.requested_on).days
        if waiting and account and account.requested_on else None,
        "proof_missing": bool(account) and account.proof_id is None,
        "fees_dkk": Decimal(account.fees_paid_ore) / 100 if account else None,
        "register": company_check(business),
        "can_verify": bool(account) and not account.is_verified and account.proof_id is not None
        and bool(account.opened_on and account.registration_number and account.account_number)
        and cvr_is_valid(business.cvr_number),
    }
