"""The journal (offentlighedsloven § 15): KLE classification of the case and
one journal entry for each document received or sent.

Every service that saves a ``Document`` calls ``journalise`` in the same
transaction, so the journal has no gaps and no document without an entry."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import Case, Document, DocumentJournalEntry, KleSubject
from ..models.journal import validate_kle_facet
from ..tenancy import may_act_on
from . import transitions
from .transitions import StaleCase, TransitionError

KLE_CHANGED_ACTION = "backoffice.case.kle_changed"
ACCESS_ASSESSED_ACTION = "backoffice.case.document_access_assessed"
DEFAULT_FACET = "G01"

Direction = DocumentJournalEntry.Direction
# What the municipality makes and sends; everything else came in.
OUTGOING_KINDS = {Document.Kind.DECISION_LETTER, Document.Kind.APPLICATION_RECEIPT}
# A CPR number in any of its usual forms ("010190-1234", "0101901234", "010190 1234").
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}[-\s]?\d{4}(?!\d)")
DESCRIPTION_LENGTH = 200


class JournalRefused(TransitionError):
    """The change cannot be made; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _check(user, case):
    if not (user.has_perm("backoffice.handle_case") and may_act_on(user, case)):
        raise PermissionDenied


# --- KLE --------------------------------------------------------------------------------------------

def default_kle(municipality):
    """(number, facet) a new case in ``municipality`` is journalised under."""
    return (municipality.kle_number or settings.DIGITAL_POST_KLE_NUMBER,
            municipality.kle_facet or DEFAULT_FACET)


def validate_kle_number(number):
    """Refuse a number that is not in the loaded KLE plan (inactive ones too:
    a case is classified by the current plan)."""
    if not KleSubject.objects.filter(number=number, active=True).exists():
        raise ValidationError(_("%(number)s is not a KLE number in the current plan.") % {"number": number},
                              code="kle_number")


def set_kle(case, *, number, facet, user, expected_version=None):
    """Staff classify the case. Checked against the KLE plan, audited.
    Raises ``ValidationError`` for a number or facet KLE does not have."""
    _check(user, case)
    number, facet = (number or "").strip(), (facet or "").strip().upper()
    validate_kle_number(number)
    validate_kle_facet(facet)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if expected_version is not None and int(expected_version) != locked.version:
            raise StaleCase
        before = {"kle_number": locked.kle_number, "kle_facet": locked.kle_facet}
        if before == {"kle_number": number, "kle_facet": facet}:
            return locked
        Case.objects.filter(pk=locked.pk).update(kle_number=number, kle_facet=facet)
        transitions.bump_version(locked)
        log(instance=locked, action=KLE_CHANGED_ACTION, user=user,
            data={"reference": locked.reference, "before": before,
                  "after": {"kle_number": number, "kle_facet": facet}})
    case.kle_number, case.kle_facet, case.version = number, facet, locked.version
    return locked


def kle_title(number):
    return KleSubject.objects.filter(number=number).values_list("title", flat=True).first() or ""


# --- Journal entries --------------------------------------------------------------------------------

def without_cpr(text):
    return CPR_PATTERN.sub("[…]", text or "")


def direction_for(kind):
    return Direction.OUT if kind in OUTGOING_KINDS else Direction.IN


def describe(kind, original_name=""):
    """"Forretningsplan (plan.pdf)": the kind in Danish, the journal's
    language, and the file name without any CPR number in it."""
    with translation.override("da"):
        label = str(Document.Kind(kind).label) if kind in Document.Kind.values else str(kind)
    name = without_cpr(original_name).strip()
    text = f"{label} ({name})" if name else label
    return text[:DESCRIPTION_LENGTH]


def journalise(document, *, direction=None, description=None):
    """Give ``document`` its journal entry with the case's next number.
    Call in the transaction that saved the document: the case row lock
    makes concurrent documents on one case take numbers one at a time."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journalise() must run inside the transaction that saves the document.")
    Case.objects.select_for_update().only("pk").get(pk=document.case_id)
    last = DocumentJournalEntry.objects.filter(case_id=document.case_id).aggregate(last=Max("number"))["last"]
    return DocumentJournalEntry.objects.create(
        case_id=document.case_id, document=document, number=(last or 0) + 1,
        direction=direction or direction_for(document.kind),
        dated=timezone.localdate(document.uploaded_at),
        description=without_cpr(description)[:DESCRIPTION_LENGTH] if description
        else describe(document.kind, document.original_name),
    )


def assess_access(entry, *, access, ground, user):
    """Staff mark a document as (partly) exempt from aktindsigt, with the
    legal ground, or open again. Audited on the case."""
    _check(user, entry.case)
    if access not in DocumentJournalEntry.Access.values:
        raise JournalRefused(_("Choose whether the document can be handed out."))
    if access == DocumentJournalEntry.Access.OPEN:
        ground = ""
    elif ground not in DocumentJournalEntry.Ground.values:
        raise JournalRefused(_("Give the legal ground for withholding the document."))
    with transaction.atomic():
        locked = DocumentJournalEntry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        before = {"access": locked.access, "ground": locked.access_ground}
        locked.access, locked.access_ground = access, ground
        locked.save(update_fields=["access", "access_ground"])
        log(instance=locked.case, action=ACCESS_ASSESSED_ACTION, user=user,
            data={"reference": locked.case.reference, "journal_number": locked.journal_number,
                  "before": before, "after": {"access": access, "ground": ground}})
    return locked
