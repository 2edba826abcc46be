"""Looking the applicant up in the CPR register and the business in the CVR
register, and keeping what they answered (``models.PersonLookup``,
``models.CompanyLookup``) for the case page and the account verification.

Automatic look-ups run as tasks after the commit: when the application is
submitted and when the citizen registers (or changes) the business's CVR
number. A register that is down is stored as "could not be reached", and
the task never raises into the citizen's request. Staff can fetch again
from the case page.

Every look-up reads personal data from a register: it is written to the
access log and the audit log. The audit data holds ids, the source and the
outcome, never the CPR or CVR number or what the register said."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from wagtail.log_actions import log

from .. import registers
from ..models import (
    AccessLogEntry, Business, Case, CaseApplication, CompanyLookup, LookupOutcome, PersonLookup,
)
from ..tenancy import may_act_on
from .transitions import TransitionError

logger = logging.getLogger(__name__)

PERSON_LOOKED_UP_ACTION = "backoffice.case.cpr_register_looked_up"
COMPANY_LOOKED_UP_ACTION = "backoffice.case.cvr_register_looked_up"

PERSON, COMPANY = "person", "company"
# Who may fetch again: the caseworker (the person), and also the loan
# coordinator who verifies the business account (the business).
FETCH_PERMISSIONS = {
    PERSON: ("backoffice.handle_case",),
    COMPANY: ("backoffice.handle_case", "backoffice.manage_loan"),
}


class LookupRefused(TransitionError):
    """Nothing to look up; ``message`` says why, for staff."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _access_log(case, user):
    """The automatic look-ups have no request: the access log names no user."""
    AccessLogEntry.objects.create(
        user=user, user_label=(user.get_username() or "")[:150] if user else "",
        municipality_id=case.municipality_id, case=case, action=AccessLogEntry.Action.REGISTER_LOOKUP,
    )


def _ask(register_getter, number):
    """(provider source, record or None, outcome). The network call is made
    outside any transaction: a slow register must not hold the case's locks."""
    register = register_getter()
    try:
        record = register.lookup(number)
    except registers.RegisterUnavailable as exc:
        logger.warning("Register look-up failed (%s): %s", register.source, exc)
        return register.source, None, LookupOutcome.UNAVAILABLE
    return register.source, record, LookupOutcome.FOUND if record else LookupOutcome.NOT_FOUND


def look_up_person(case, user=None, *, write_access_log=True):
    """Ask the CPR register about the case's applicant and store the answer
    as the application's latest snapshot. ``user`` None: automatic. Returns
    the ``PersonLookup``, or None when the case has no CPR number."""
    application = CaseApplication.objects.filter(case_id=case.pk).only("pk", "cpr_number").first()
    if application is None or not application.cpr_number:
        return None
    source, record, outcome = _ask(registers.person_register, application.cpr_number)
    with transaction.atomic():
        lookup = PersonLookup.objects.create(
            case_id=case.pk, source=source, outcome=outcome, fetched_by=user, fetched_at=timezone.now(),
            **({"name": record.name, "address": record.address, "postcode": record.postcode,
                "city": record.city, "protected_address": record.protected_address,
                "status": record.status} if record else {}),
        )
        CaseApplication.objects.filter(pk=application.pk).update(cpr_lookup=lookup)
        if write_access_log:
            _access_log(case, user)
        log(instance=case, action=PERSON_LOOKED_UP_ACTION, user=user, data={
            "lookup": lookup.pk, "source": source, "outcome": outcome, "automatic": user is None})
    return lookup


def look_up_company(case, user=None, *, write_access_log=True):
    """Ask the CVR register about the business's CVR number and store the
    answer as the business's latest snapshot. Returns the ``CompanyLookup``,
    or None when there is no business or no CVR number yet."""
    business = Business.objects.filter(case_id=case.pk).only("pk", "cvr_number").first()
    if business is None or not business.cvr_number:
        return None
    source, record, outcome = _ask(registers.company_register, business.cvr_number)
    with transaction.atomic():
        lookup = CompanyLookup.objects.create(
            case_id=case.pk, cvr_number=business.cvr_number, source=source, outcome=outcome, fetched_by=user,
            fetched_at=timezone.now(),
            **({"name": record.name, "address": record.address, "postcode": record.postcode,
                "city": record.city, "started_on": record.started_on, "status": record.status,
                "industry_code": record.industry_code, "industry_text": record.industry_text}
               if record else {}),
        )
        # Only if the number is still the one looked up (the citizen may have changed it meanwhile).
        Business.objects.filter(pk=business.pk, cvr_number=business.cvr_number).update(cvr_lookup=lookup)
        if write_access_log:
            _access_log(case, user)
        log(instance=case, action=COMPANY_LOOKED_UP_ACTION, user=user, data={
            "lookup": lookup.pk, "source": source, "outcome": outcome, "automatic": user is None})
    return lookup


# --- Automatic: tasks after the commit --------------------------------------------------------------


@task()
def look_up_person_task(case_id):
    case = Case.objects.filter(pk=case_id).exclude(status=Case.Status.ANONYMISED).first()
    lookup = look_up_person(case) if case else None
    return {"outcome": lookup.outcome if lookup else None}


@task()
def look_up_company_task(case_id):
    case = Case.objects.filter(pk=case_id).exclude(status=Case.Status.ANONYMISED).first()
    lookup = look_up_company(case) if case else None
    return {"outcome": lookup.outcome if lookup else None}


def _enqueue(task_, case):
    def enqueue():
        try:
            task_.enqueue(case_id=case.pk)
        except Exception:  # a register or queue failure must never fail the citizen's request
            logger.exception("Could not queue the register look-up for case %s", case.pk)
    transaction.on_commit(enqueue)


def enqueue_person_lookup(case):
    _enqueue(look_up_person_task, case)


def enqueue_company_lookup(case):
    _enqueue(look_up_company_task, case)


# --- Staff: fetch again -----------------------------------------------------------------------------


def fetch_again(case, user, kind):
    """A staff member in the case's municipality asks the register again.
    The view writes the access log (it has the request). Raises
    ``PermissionDenied`` and ``LookupRefused``."""
    if kind not in FETCH_PERMISSIONS:
        raise ValueError(f"Unknown register: {kind}")
    if not (may_act_on(user, case) and any(user.has_perm(p) for p in FETCH_PERMISSIONS[kind])):
        raise PermissionDenied
    if case.status == Case.Status.ANONYMISED:
        raise LookupRefused(_("The case is anonymised."))
    if kind == PERSON:
        lookup = look_up_person(case, user, write_access_log=False)
        if lookup is None:
            raise LookupRefused(_("The application has no CPR number to look up."))
    else:
        lookup = look_up_company(case, user, write_access_log=False)
        if lookup is None:
            raise LookupRefused(_("The citizen has not registered a CVR number yet."))
    return lookup
