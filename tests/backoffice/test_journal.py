"""The journal (offentlighedsloven § 15): KLE data and classification, one
journal entry for every document in and out, and the aktindsigt case file
with other persons' data left out."""

import csv
import importlib
import io
import uuid
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from wagtail.models import ModelLogEntry

from backoffice.digital_post.memo import kle_data
from backoffice.kle import data as kle
from backoffice.kle.load import load
from backoffice.models import (
    AccessLogEntry, Case, Document, DocumentJournalEntry, InformationRequest, JournalNote, KleSubject,
    StaffMembership,
)
from backoffice.services import case_file, citizen as citizen_services, journal, letters, receipts
from backoffice.services.cases import ApplicationSubmission, SubmittedDocument, submit_application
from backoffice.uploads import validate_upload

from ..files import pdf_bytes
from .concurrency import requires_postgres, run_at_once
from .staff_cases import ANSWERS, FULL_CPR, add_document, open_case, staff

Entry = DocumentJournalEntry


@pytest.fixture
def caseworker(demo):
    return staff("sagsbehandler@nordby.example")


@pytest.fixture
def citizen(demo):
    return staff("borger@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


def entries(case):
    return list(Entry.objects.filter(case=case).select_related("case", "document").order_by("number"))


def citizen_upload(case, citizen, name="budget.pdf", kind=Document.Kind.BUDGET):
    with transaction.atomic():
        return citizen_services.add_citizen_document(
            case, citizen, validate_upload(SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")),
            kind=kind)


def store_letter(case, user, name="afgoerelse.pdf"):
    with transaction.atomic():
        return letters.store_letter(case, pdf_bytes(), filename=name, user=user)


def journalised(case, **kwargs):
    """A document the way the staff helper makes it, journalised like a service does."""
    with transaction.atomic():
        document = add_document(case, **kwargs)
        return journal.journalise(document)


# --- Journal entries ----------------------------------------------------------------------------


def test_every_document_in_and_out_gets_the_next_number_on_its_case(nordby, citizen, caseworker):
    stored = storages["private"].save(f"documents/test/{uuid.uuid4().hex}", io.BytesIO(pdf_bytes()))
    case, _ = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=citizen, answers=dict(ANSWERS),
        documents=[SubmittedDocument(kind=Document.Kind.BUSINESS_PLAN, stored_name=stored,
                                     original_name="plan.pdf", content_type="application/pdf", size=1, sha256="")]))
    receipt = receipts.create_receipt(case)
    upload = citizen_upload(case, citizen)
    letter = store_letter(case, caseworker)
    other_case = open_case(nordby, citizen)
    citizen_upload(other_case, citizen)

    journal_ = entries(case)
    assert [(e.number, e.document.kind, e.direction) for e in journal_] == [
        (1, Document.Kind.BUSINESS_PLAN, Entry.Direction.IN),
        (2, Document.Kind.APPLICATION_RECEIPT, Entry.Direction.OUT),
        (3, Document.Kind.BUDGET, Entry.Direction.IN),
        (4, Document.Kind.DECISION_LETTER, Entry.Direction.OUT),
    ]
    assert [e.document_id for e in journal_[1:]] == [receipt.pk, upload.pk, letter.pk]
    assert journal_[3].journal_number == f"{case.reference}-0004"
    assert journal_[0].description == "Forretningsplan (plan.pdf)"
    assert [e.number for e in entries(other_case)] == [1]


def test_an_answer_to_a_request_for_information_is_journalised_as_received(nordby, citizen, caseworker):
    case = open_case(nordby, citizen)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.AWAITING_INFORMATION)
    request = InformationRequest.objects.create(case=case, question="Budget?", due_on="2030-01-01",
                                                created_by=caseworker)
    _, [document] = citizen_services.answer_information_request(request, citizen, "Her", [
        validate_upload(SimpleUploadedFile("svar.pdf", pdf_bytes(), content_type="application/pdf"))])
    [entry] = entries(case)
    assert entry.document == document and entry.direction == Entry.Direction.IN
    assert entry.description.startswith("Svar på anmodning om oplysninger")


def test_a_cpr_number_in_a_file_name_never_reaches_the_journal(case, citizen):
    citizen_upload(case, citizen, name=f"plan {FULL_CPR}.pdf")
    citizen_upload(case, citizen, name="cv_0101901234.pdf", kind=Document.Kind.CV)
    descriptions = [e.description for e in entries(case)]
    assert all("1234" not in d for d in descriptions), descriptions
    assert journal.without_cpr("ring 010190 1234 eller 12345678") == "ring […] eller 12345678"


def test_one_number_per_case_is_enforced_by_the_database(case):
    first = journalised(case)
    other = add_document(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(case=case, document=other, number=first.number, direction="in",
                             dated=first.dated, description="x")


def test_the_data_migration_journalises_existing_documents_in_the_order_they_came(case):
    journalised(case)
    older, newer = add_document(case, name="a.pdf"), add_document(case, name="b.pdf")
    Document.objects.filter(pk=older.pk).update(uploaded_at=newer.uploaded_at.replace(year=2020))
    migration = importlib.import_module("backoffice.migrations.0016_kle_journal")
    migration.journalise_documents(apps, None)
    assert [(e.number, e.document_id) for e in entries(case)][1:] == [(2, older.pk), (3, newer.pk)]
    migration.journalise_documents(apps, None)  # again: nothing new
    assert len(entries(case)) == 3


@requires_postgres
def test_concurrent_documents_on_one_case_get_distinct_numbers(make_municipality, make_user):
    case = open_case(make_municipality("Nordby"), make_user())
    run_at_once(lambda: journalised(Case.objects.get(pk=case.pk)).number, times=4)
    assert sorted(Entry.objects.filter(case=case).values_list("number", flat=True)) == [1, 2, 3, 4]


# --- KLE ----------------------------------------------------------------------------------------


def test_the_shipped_kle_plan_is_loaded_and_a_refresh_changes_nothing(db):
    if not KleSubject.objects.exists():  # a transactional test before emptied the table
        call_command("refresh_kle", stdout=io.StringIO())
    subject = KleSubject.objects.get(number="24.10.07")
    assert subject.title == "Erhvervsserviceaktiviteter og iværksætteri" and subject.level == "subject"
    assert KleSubject.objects.get(number="24").title == "Erhvervsforhold"
    assert KleSubject.objects.get(number="24.10").level == "group"
    count = KleSubject.objects.count()
    out = io.StringIO()
    call_command("refresh_kle", stdout=out)
    assert "0 new, 0 changed, 0 no longer in the plan" in out.getvalue()
    assert KleSubject.objects.count() == count == len(kle.read_shipped())


def test_a_refresh_from_os2kle_text_updates_titles_and_keeps_dropped_numbers_inactive(db, tmp_path):
    load([kle.Entry("99.99.99", "Gammelt emne", "subject")], KleSubject)
    source = tmp_path / "OS2KLE.txt"
    source.write_text(
        "KLENummer='24.00.00':KLETitel='Erhvervsforhold i almindelighed':Keywords[Weight]=x[5];\n"
        "KLENummer='24.10.00':KLETitel='Erhvervsfremme i almindelighed':Keywords[Weight]=\n"
        "KLENummer='24.10.07':KLETitel='Iværksætteri (ny titel)':Keywords[Weight]=iværksætter[5];\n",
        encoding="utf-8")
    call_command("refresh_kle", file=source, stdout=io.StringIO())
    assert KleSubject.objects.get(number="24.10.07").title == "Iværksætteri (ny titel)"
    assert KleSubject.objects.get(number="24.10").title == "Erhvervsfremme"
    assert not KleSubject.objects.get(number="99.99.99").active
    assert not KleSubject.objects.get(number="15.00.00").active
    out = io.StringIO()
    call_command("refresh_kle", file=source, stdout=out)
    assert "0 new, 0 changed, 0 no longer in the plan" in out.getvalue()
    call_command("refresh_kle", stdout=io.StringIO())  # back to the shipped plan
    assert KleSubject.objects.get(number="15.00.00").active


def test_a_file_without_kle_subjects_is_refused_and_changes_nothing(db, tmp_path):
    page = tmp_path / "error.html"
    page.write_text("<html>404</html>", encoding="utf-8")
    before = KleSubject.objects.filter(active=True).count()
    with pytest.raises(CommandError):
        call_command("refresh_kle", file=page, stdout=io.StringIO())
    assert KleSubject.objects.filter(active=True).count() == before


def test_a_new_case_is_classified_by_the_municipalitys_setting_and_goes_into_the_memo(nordby, citizen, settings):
    settings.DIGITAL_POST_KLE_NUMBER = "24.00.00"
    assert (open_case(nordby, citizen).kle_number, open_case(nordby, citizen).kle_facet) == ("24.00.00", "G01")
    nordby.kle_number, nordby.kle_facet = "24.10.07", "G01"
    nordby.save()
    case = open_case(nordby, citizen)
    assert case.kle_number == "24.10.07"
    memo = kle_data(case)
    assert (memo.subjectKey, memo.activityFacet) == ("24.10.07", "G01")


def test_staff_change_the_classification_audited_and_an_invalid_number_is_refused(case, caseworker):
    journal.set_kle(case, number="24.10.07", facet="g01", user=caseworker)
    case.refresh_from_db()
    assert (case.kle_number, case.kle_facet) == ("24.10.07", "G01")
    log = ModelLogEntry.objects.get(object_id=str(case.pk), action=journal.KLE_CHANGED_ACTION)
    assert log.data["after"] == {"kle_number": "24.10.07", "kle_facet": "G01"}
    for number, facet in [("24.99.99", "G01"), ("tjener", "G01"), ("24.10.07", "G1"), ("24.10.07", "")]:
        with pytest.raises(ValidationError):
            journal.set_kle(case, number=number, facet=facet, user=caseworker)
    case.refresh_from_db()
    assert case.kle_number == "24.10.07"


def test_the_kle_form_on_the_case_page(client, case, caseworker):
    client.force_login(caseworker)
    url = reverse("backoffice:case_kle", args=[case.pk])
    refused = client.post(url, {"version": case.version, "kle_number": "24.99.99", "kle_facet": "G01"})
    assert refused.status_code == 400 and Case.objects.get(pk=case.pk).kle_number == "24.00.00"
    response = client.post(url, {"version": case.version, "kle_number": "24.10.07", "kle_facet": "G01"})
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).kle_number == "24.10.07"
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'data-kle-number="24.10.07"' in page and "Erhvervsserviceaktiviteter og iværksætteri" in page


def test_the_queue_export_has_the_kle_number(client, case, demo):
    client.force_login(staff("koordinator@nordby.example"))
    response = client.get("/admin/cases/", {"export": "csv"})
    content = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    rows = list(csv.reader(io.StringIO(content)))
    row = next(r for r in rows if case.reference in r)
    assert "24.00.00" in row and "G01" in row


# --- Assessment for aktindsigt ------------------------------------------------------------------


def test_withholding_a_document_needs_a_legal_ground_and_is_audited(case, caseworker):
    entry = journalised(case)
    with pytest.raises(journal.JournalRefused):
        journal.assess_access(entry, access=Entry.Access.EXEMPT, ground="", user=caseworker)
    journal.assess_access(entry, access=Entry.Access.EXEMPT, ground=Entry.Ground.PRIVATE_MATTERS, user=caseworker)
    entry.refresh_from_db()
    assert entry.withheld and entry.access_ground == "offl_30_1"
    assert ModelLogEntry.objects.filter(object_id=str(case.pk), action=journal.ACCESS_ASSESSED_ACTION).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(access_ground="")


def test_staff_of_another_municipality_cannot_assess_or_classify(case, demo):
    other = staff("sagsbehandler@sydby.example")
    with pytest.raises(PermissionDenied):
        journal.set_kle(case, number="24.10.07", facet="G01", user=other)
    with pytest.raises(PermissionDenied):
        journal.assess_access(journalised(case), access="open", ground="", user=other)


# --- The case file ------------------------------------------------------------------------------


def open_zip(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return archive, {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def filed_case(case, citizen, caseworker):
    """A case with five documents in and out, one of them withheld, and a staff note naming someone."""
    receipts.create_receipt(case)
    plan = citizen_upload(case, citizen, name="plan.pdf", kind=Document.Kind.BUSINESS_PLAN)
    neighbour = citizen_upload(case, citizen, name="naboens-udtalelse.pdf", kind=Document.Kind.OTHER)
    store_letter(case, caseworker)
    journal.assess_access(neighbour.journal_entry, access=Entry.Access.EXEMPT, ground=Entry.Ground.PARTY_OTHERS,
                          user=caseworker)
    JournalNote.objects.create(case=case, author=caseworker, body="Naboen Ole Olsen ringede")
    return case, plan, neighbour


def test_the_case_file_holds_the_documents_minus_the_withheld_and_lists_both(filed_case, caseworker):
    case, plan, neighbour = filed_case
    filename, content = case_file.build_case_file(case, user=caseworker, purpose=case_file.PARTY)
    assert filename.startswith(f"aktindsigt-{case.reference}-") and filename.endswith(".zip")
    archive, files = open_zip(content)
    documents = sorted(name for name in files if name.startswith("dokumenter/"))
    journal_ = entries(case)
    expected = sorted(f"dokumenter/{e.number:04d}_{e.document.original_name}" for e in journal_ if not e.withheld)
    assert documents == expected and len(documents) == 3
    assert files[f"dokumenter/{plan.journal_entry.number:04d}_plan.pdf"] == plan.file.open("rb").read()
    assert not any("naboens" in name for name in files)

    rows = list(csv.reader(io.StringIO(files["aktliste.csv"].decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [e.journal_number for e in journal_]
    withheld = next(row for row in rows if row[0] == neighbour.journal_entry.journal_number)
    assert "Forvaltningsloven § 15 b" in withheld[5] and withheld[6] == ""  # no file
    index = files["aktliste.html"].decode()
    assert neighbour.journal_entry.journal_number in index and "Forvaltningsloven § 15 b" in index
    assert FULL_CPR in index  # the party sees their own CPR number
    assert all(b"Ole Olsen" not in body for body in files.values())


def test_for_someone_else_the_cpr_is_masked_and_the_letters_are_withheld(filed_case, caseworker):
    case, plan, _ = filed_case
    _, content = case_file.build_case_file(case, user=caseworker, purpose=case_file.OTHER)
    _, files = open_zip(content)
    assert all(FULL_CPR.encode() not in body for name, body in files.items() if name.startswith("aktliste"))
    assert "010190-****" in files["aktliste.html"].decode()
    assert [name for name in files if name.startswith("dokumenter/")] == [
        f"dokumenter/{plan.journal_entry.number:04d}_plan.pdf"]


def test_handing_out_the_file_is_in_the_access_log_and_on_the_timeline(filed_case, caseworker):
    case, _, neighbour = filed_case
    case_file.build_case_file(case, user=caseworker, purpose=case_file.PARTY, ip="10.0.0.1")
    entry = AccessLogEntry.objects.get(case=case, action=AccessLogEntry.Action.CASE_FILE)
    assert entry.user == caseworker and entry.ip == "10.0.0.1" and entry.municipality_id == case.municipality_id
    log = ModelLogEntry.objects.get(object_id=str(case.pk), action=case_file.CASE_FILE_ACTION)
    assert log.data["withheld"] == [neighbour.journal_entry.journal_number] and len(log.data["documents"]) == 3


def test_include_limits_the_file_to_the_documents_asked_for(filed_case, caseworker):
    case, plan, _ = filed_case
    _, content = case_file.build_case_file(case, user=caseworker, purpose=case_file.APPEAL, include=[plan])
    _, files = open_zip(content)
    assert [name for name in files if name.startswith("dokumenter/")] == [
        f"dokumenter/{plan.journal_entry.number:04d}_plan.pdf"]


def test_the_case_file_download_from_the_case_page(client, filed_case, caseworker):
    case, _, _ = filed_case
    client.force_login(caseworker)
    response = client.post(reverse("backoffice:case_file", args=[case.pk]), {"purpose": "party"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    _, files = open_zip(response.content)
    assert "aktliste.csv" in files
    assert AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.CASE_FILE).count() == 1


def test_the_case_file_is_404_for_another_municipality_and_refused_without_case_work(
        client, filed_case, nordby, make_user):
    case, _, _ = filed_case
    url = reverse("backoffice:case_file", args=[case.pk])
    client.force_login(staff("sagsbehandler@sydby.example"))
    assert client.post(url, {"purpose": "party"}).status_code == 404
    reader = make_user("laeser", is_staff=True)  # sees cases, does not handle them
    reader.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["backoffice", "wagtailadmin"], codename__in=["view_case", "access_admin"]))
    StaffMembership.objects.create(user=reader, municipality=nordby)
    client.force_login(reader)
    assert client.post(url, {"purpose": "party"}).status_code in (302, 403)
    assert not AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.CASE_FILE).exists()
    with pytest.raises(PermissionDenied):
        case_file.build_case_file(case, user=staff("sagsbehandler@sydby.example"), purpose=case_file.PARTY)


def test_the_access_form_on_the_case_page(client, filed_case, caseworker):
    case, plan, _ = filed_case
    client.force_login(caseworker)
    url = reverse("backoffice:journal_access", args=[case.pk])
    refused = client.post(url, {"version": case.version, "entry": plan.journal_entry.pk, "access": "exempt",
                                "ground": ""})
    assert refused.status_code == 400 and not Entry.objects.get(pk=plan.journal_entry.pk).withheld
    client.post(url, {"version": case.version, "entry": plan.journal_entry.pk, "access": "partly_exempt",
                      "ground": "offl_30_1"})
    assert Entry.objects.get(pk=plan.journal_entry.pk).access == "partly_exempt"
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert f'data-journal-number="{plan.journal_entry.journal_number}"' in page
    assert 'data-access="partly_exempt"' in page


def test_the_case_page_needs_the_same_queries_however_long_the_journal(client, case, caseworker,
                                                                       django_assert_max_num_queries):
    client.force_login(caseworker)
    url = reverse("backoffice:case", args=[case.pk])
    journalised(case)
    client.get(url)
    with django_assert_max_num_queries(80) as few:
        client.get(url)
    for n in range(8):
        journalised(case, name=f"bilag-{n}.pdf")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("data-journal-number=") == 9
