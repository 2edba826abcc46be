"""The case bundle sent with an upheld complaint to the appeal body: a zip
of numbered files with an index (bilagsfortegnelse) first.

``build_bundle(items)`` is generic (any ordered ``BundleItem``s of a
case); the case's own documents come with their journal numbers and the
journal's withholding from ``case_file.items`` (the aktindsigt bundle), so
both bundles agree on what a document is called and what is left out;
``appeal_items`` chooses what an appeal bundle holds: the forwarding
letter with the complaint and the reassessment, the decision letter, the
consultation letter and the citizen's comments, the complaint's files and
the documents on the case when the decision was made. Files the virus scan
found infected are listed in the index but left out."""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.platypus import Paragraph, Spacer

from ..models import Document, LetterDispatch
from ..uploads import safe_filename
from . import case_file, letters
from .receipts import _register_fonts, _text

INDEX_NAME = "00-indeks.csv"


@dataclass(frozen=True)
class BundleItem:
    title: str
    date: object  # date or datetime, for the index
    name: str  # file name inside the zip (numbered by build_bundle)
    document: Document | None = None  # a stored file ...
    content: bytes | None = None  # ... or bytes made for the bundle
    withheld_because: str = ""  # from the journal (services.case_file)

    @property
    def left_out(self):
        return bool(self.withheld_because) or (
            self.document is not None and self.document.scan_status == Document.ScanStatus.INFECTED)


def _day(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localdate(value)
    return value.isoformat()


def build_bundle(items):
    """The zip as bytes, and the index rows ``[number, title, date, file,
    left out because]`` (file empty for an item left out)."""
    buffer, rows = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, item in enumerate(items, start=1):
            name = "" if item.left_out else f"{number:02d}-{safe_filename(item.name)}"
            reason = item.withheld_because or (_("Not included: the file failed the virus scan")
                                               if item.left_out else "")
            rows.append([number, item.title, _day(item.date), name, reason])
            if item.left_out:
                continue
            if item.document is not None:
                with item.document.file.open("rb") as source:
                    archive.writestr(name, source.read())
            else:
                archive.writestr(name, item.content)
        index = io.StringIO()
        writer = csv.writer(index, delimiter=";")
        writer.writerow([_("No."), _("Document"), _("Date"), _("File"), _("Withheld because")])
        writer.writerows(rows)
        archive.writestr(INDEX_NAME, index.getvalue().encode("utf-8-sig"))
    return buffer.getvalue(), rows


def consultation_letter(decision):
    """The consultation letter of ``decision``: queued at the moment it was
    sent (``send_for_consultation`` uses one ``now`` for both)."""
    if decision.consultation_sent_at is None:
        return None
    dispatch = (LetterDispatch.objects.filter(case_id=decision.case_id, kind=LetterDispatch.Kind.CONSULTATION,
                                              queued_at=decision.consultation_sent_at)
                .select_related("document").first())
    return dispatch.document if dispatch else None


def appeal_items(appeal, forwarding_pdf):
    decision = appeal.decision
    items = [BundleItem(_("Forwarding letter with the complaint and the reassessment"), timezone.now(),
                        "oversendelse.pdf", content=forwarding_pdf)]
    if decision.letter_id:
        items.append(BundleItem(_("The decision"), decision.decided_at, "afgoerelse.pdf",
                                document=decision.letter))
    consultation = consultation_letter(decision)
    if consultation is not None:
        items.append(BundleItem(_("Consultation letter"), decision.consultation_sent_at, "partshoering.pdf",
                                document=consultation))
    if decision.consultation_reply.strip():
        items.append(BundleItem(_("The citizen's comments on the draft decision"),
                                decision.consultation_replied_at, "bemaerkninger.txt",
                                content=decision.consultation_reply.encode("utf-8")))
    shown = {d.pk for d in (decision.letter, consultation) if d is not None}
    for document in appeal.documents.order_by("uploaded_at", "pk"):
        shown.add(document.pk)
        items.append(BundleItem(_("File sent with the complaint: %(name)s") % {
            "name": document.original_name or document.get_kind_display()}, document.uploaded_at,
            document.original_name or "bilag", document=document))
    # What the decision was made on: the case's documents up to then, with
    # their journal numbers and what the journal withholds (case_file).
    earlier = list(Document.objects.filter(case_id=appeal.case_id, uploaded_at__lte=decision.decided_at)
                   .exclude(pk__in=shown).order_by("uploaded_at", "pk"))
    journalised = set()
    for item in case_file.items(appeal.case, purpose=case_file.APPEAL, include=earlier):
        entry = item.entry
        journalised.add(entry.document_id)
        items.append(BundleItem(f"{entry.journal_number} {entry.description}", entry.dated,
                                entry.document.original_name or entry.description, document=entry.document,
                                withheld_because=item.withheld_because))
    for document in earlier:  # from before the journal
        if document.pk not in journalised:
            items.append(BundleItem(document.get_kind_display(), document.uploaded_at,
                                    document.original_name or document.get_kind_display(), document=document))
    return items


def forwarding_letter_pdf(appeal, *, user, now=None):
    """The letter to the appeal body: which decision, the complaint as the
    citizen put it, and why the municipality upholds the decision. In Danish."""
    with translation.override(settings.LANGUAGE_CODE):
        _register_fonts()
        case, decision, styles = appeal.case, appeal.decision, letters._styles()
        sender = letters.sender_for(case.municipality)
        title = _("Complaint forwarded for a decision")
        story = letters._letterhead(case, sender, now or timezone.now(), styles)[:2]
        for line in [appeal.appeal_body, *appeal.appeal_body_address.splitlines()]:
            if line.strip():
                story.append(Paragraph(_text(line), styles["recipient"]))
        story += [Spacer(1, 6), Paragraph(_text(title), styles["title"])]
        facts = _("The citizen has complained about our decision of %(date)s (%(kind)s). We received the "
                  "complaint on %(lodged)s.") % {"date": letters.letter_date(decision.decided_at),
                                                 "kind": decision.get_kind_display(),
                                                 "lodged": letters.letter_date(appeal.lodged_on)}
        story.append(Paragraph(_text(facts), styles["body"]))
        if appeal.is_late:
            late = _("The complaint was received after the appeal deadline of %(date)s.") % {
                "date": letters.letter_date(appeal.appeal_deadline)}
            story.append(Paragraph(_text(late), styles["body"]))
        story.append(Paragraph(_text(_("The complaint")), styles["heading"]))
        complaint = appeal.text or _("The complaint is in the attached files.")
        story += letters._paragraphs(complaint, styles["body"])
        story.append(Paragraph(_text(_("Our reassessment")), styles["heading"]))
        story += letters._paragraphs(appeal.reassessment_note, styles["body"])
        story.append(Paragraph(_text(_("We uphold the decision and forward the complaint with the case file. "
                                       "The enclosed index lists the documents.")), styles["body"]))
        story += letters._signature(user, sender, styles)
        return letters._build(story, title=title, case=case, sender=sender)
