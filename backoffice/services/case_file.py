"""The case file (aktindsigt): one zip with the journal's index (aktliste,
HTML and CSV), the documents, and the decisions, with other persons' data
left out. Engineer D's appeal bundle for Ankestyrelsen reuses
``build_case_file`` with ``purpose=APPEAL``.

What is left out, and why:
- documents staff marked exempt (``DocumentJournalEntry.access``): listed as
  withheld in the index with the legal ground, the file not included;
- staff's journal notes and coaching notes: they can name other persons, and
  nothing marks which do, so none are included (the index says so);
- for a request from someone other than the party (offentlighedsloven § 7),
  the party's CPR number is masked in the index and the receipt and letters,
  which print it, are withheld under offentlighedsloven § 30, nr. 1;
- a file that failed the virus scan."""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from ..models import AccessLogEntry, Case, CaseApplication, Decision, Document, DocumentJournalEntry
from ..tenancy import may_act_on
from ..uploads import safe_filename
from .journal import kle_title

CASE_FILE_ACTION = "backoffice.case.case_file"

PARTY = "party"      # the party's own access (forvaltningsloven § 9)
OTHER = "other"      # someone else asks (offentlighedsloven § 7)
APPEAL = "appeal"    # sent on with an appeal (engineer D)
PURPOSES = {
    PARTY: gettext_lazy("Access to the file for the party"),
    OTHER: gettext_lazy("Access to the file for someone else"),
    APPEAL: gettext_lazy("Case file for the appeal body"),
}
# The documents the municipality makes print the party's CPR number.
CARRIES_CPR = {Document.Kind.APPLICATION_RECEIPT, Document.Kind.DECISION_LETTER}
Ground = DocumentJournalEntry.Ground


@dataclass(frozen=True)
class Item:
    entry: DocumentJournalEntry
    path: str = ""         # in the zip; "" when withheld
    withheld_because: str = ""


def items(case, *, purpose=PARTY, include=None):
    """The journal entries of ``case`` in the file, each with its path in
    the zip or why it is withheld. ``include``: only these documents
    (``Document`` or pk); None: all."""
    wanted = None if include is None else {getattr(d, "pk", d) for d in include}
    entries = (DocumentJournalEntry.objects.filter(case=case).select_related("document")
               .order_by("number"))
    result = []
    for entry in entries:
        if wanted is not None and entry.document_id not in wanted:
            continue
        reason = _withheld_because(entry, purpose)
        path = "" if reason else f"dokumenter/{entry.number:04d}_{_file_name(entry)}"
        result.append(Item(entry=entry, path=path, withheld_because=reason))
    return result


def _withheld_because(entry, purpose):
    if entry.withheld:
        return f"{entry.get_access_display()}: {entry.get_access_ground_display()}"
    if entry.document.scan_status == Document.ScanStatus.INFECTED:
        return _("Not included: the file failed the virus scan")
    if purpose == OTHER and entry.document.kind in CARRIES_CPR:
        return f"{DocumentJournalEntry.Access.EXEMPT.label}: {Ground.PRIVATE_MATTERS.label}"
    return ""


def _file_name(entry):
    document = entry.document
    return safe_filename(document.original_name or f"{document.get_kind_display()}.pdf", max_length=80)


def build_case_file(case, *, user, purpose=PARTY, include=None, ip=None, now=None):
    """The case file as ``(filename, zip bytes)``, recorded in the access log
    and on the case's timeline. ``user`` needs handle_case in the case's
    municipality (``PermissionDenied`` otherwise)."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}")
    if not (user.has_perm("backoffice.handle_case") and may_act_on(user, case)):
        raise PermissionDenied
    now = now or timezone.now()
    case = Case.objects.select_related("municipality").get(pk=case.pk)
    with translation.override("da"):  # the file goes to the citizen or the appeal body: in Danish
        listed = items(case, purpose=purpose, include=include)
        index = _index_context(case, listed, purpose, now)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("aktliste.html", render_to_string("backoffice/case_file/aktliste.html", index))
            archive.writestr("aktliste.csv", _index_csv(listed))
            for item in listed:
                if item.path:
                    with item.entry.document.file.open("rb") as handle:
                        archive.writestr(item.path, handle.read())
    prefix = "sagsakter" if purpose == APPEAL else "aktindsigt"
    filename = f"{prefix}-{case.reference or case.pk}-{timezone.localdate(now):%Y-%m-%d}.zip"
    with transaction.atomic():
        AccessLogEntry.objects.create(
            user=user, user_label=(user.get_username() or "")[:150], municipality_id=case.municipality_id,
            case=case, action=AccessLogEntry.Action.CASE_FILE, ip=ip)
        log(instance=case, action=CASE_FILE_ACTION, user=user, data={
            "reference": case.reference, "purpose": purpose,
            "documents": [i.entry.journal_number for i in listed if i.path],
            "withheld": [i.entry.journal_number for i in listed if not i.path],
        })
    return filename, buffer.getvalue()


def _index_context(case, listed, purpose, now):
    application = CaseApplication.objects.filter(case=case).first()
    cpr = ""
    if application is not None:
        # The CPR number only for the party themselves (and the appeal body, which decides on their case).
        cpr = application.cpr_masked if purpose == OTHER else application.cpr_number
    letters = {item.entry.document_id: item.entry.journal_number for item in listed}
    decisions = [
        {"decision": decision, "letter": letters.get(decision.letter_id, "")}
        for decision in Decision.objects.filter(case=case, status=Decision.Status.FINAL)
        .order_by("decided_at", "pk")
    ]
    return {
        "case": case, "purpose": PURPOSES[purpose], "made_at": now,
        "party_name": application.full_name if application else "", "party_cpr": cpr,
        "kle_title": kle_title(case.kle_number),
        "items": listed, "decisions": decisions,
        "included": sum(1 for i in listed if i.path), "withheld": sum(1 for i in listed if not i.path),
    }


def _index_csv(listed):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Journal number"), _("Date"), _("Direction"), _("Description"), _("Included"),
                     _("Withheld because"), _("File")])
    for item in listed:
        entry = item.entry
        writer.writerow([entry.journal_number, entry.dated.isoformat(), entry.get_direction_display(),
                         entry.description, _("yes") if item.path else _("no"), item.withheld_because,
                         item.path])
    # Excel opens a semicolon CSV with a BOM as UTF-8.
    return "\ufeff" + out.getvalue()
