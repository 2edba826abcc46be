"""The staff side of a case in the Wagtail admin: the queue (filters, search,
sort, export), the case page and its small actions, documents, finding a case
by CPR number and the audit trail. Staff of another municipality get 404,
roles without case work 403, and the queue costs the same number of
queries for 1 case as for 30."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import AccessLogEntry, Case, Document, InformationRequest, JournalNote, Message

from .staff_cases import FULL_CPR, add_document, open_case, staff

S = Case.Status
QUEUE = "/admin/cases/"

pytestmark = pytest.mark.usefixtures("danish")


@pytest.fixture
def danish(settings):
    settings.LANGUAGE_CODE = "da"


@pytest.fixture
def caseworker(demo):
    return staff("sagsbehandler@nordby.example")


@pytest.fixture
def coordinator(demo):
    return staff("koordinator@nordby.example")


@pytest.fixture
def citizen(demo):
    return staff("borger@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


@pytest.fixture
def sydby_case(sydby):
    return open_case(sydby, None, full_name="Sofie Sydby", cpr_number="020285-4321")


def as_user(client, user):
    client.force_login(user)
    return client


def body(response):
    return response.content.decode()


# --- The queue ----------------------------------------------------------------------------------


def test_the_queue_lists_only_the_municipalitys_open_cases(client, caseworker, case, sydby_case, nordby):
    closed = open_case(nordby, None, full_name="Lukket Sag")
    Case.objects.filter(pk=closed.pk).update(status=S.CLOSED)
    page = body(as_user(client, caseworker).get(QUEUE))
    assert case.reference in page and "Amina Hansen" in page
    assert sydby_case.reference not in page and "Sofie Sydby" not in page
    assert closed.reference not in page
    assert FULL_CPR not in page


def test_the_queue_filters_by_status_assignee_and_waiting(client, caseworker, case, nordby):
    other = open_case(nordby, None, full_name="Bent Jensen")
    Case.objects.filter(pk=case.pk).update(assigned_to=caseworker, status=S.SCREENING)
    InformationRequest.objects.create(case=other, question="Budget?", due_on=timezone.localdate(),
                                      created_by=caseworker)
    client = as_user(client, caseworker)
    mine = body(client.get(QUEUE, {"assigned": "me"}))
    assert case.reference in mine and other.reference not in mine
    waiting = body(client.get(QUEUE, {"waiting": "true"}))
    assert other.reference in waiting and case.reference not in waiting
    screening = body(client.get(QUEUE, {"status": ["screening"]}))
    assert case.reference in screening and other.reference not in screening
    closed = body(client.get(QUEUE, {"status": ["closed"]}))
    assert case.reference not in closed


def test_search_by_reference_and_name_but_never_by_cpr(client, caseworker, case, nordby):
    other = open_case(nordby, None, full_name="Bent Jensen", cpr_number="101080-1235")
    client = as_user(client, caseworker)
    by_reference = body(client.get(QUEUE, {"q": case.reference}))
    assert case.reference in by_reference and other.reference not in by_reference
    by_name = body(client.get(QUEUE, {"q": "bent"}))
    assert other.reference in by_name and case.reference not in by_name
    by_cpr = body(client.get(QUEUE, {"q": FULL_CPR}))
    assert case.reference not in by_cpr


def test_the_queue_sorts_and_pages(client, caseworker, nordby):
    for n in range(55):
        open_case(nordby, None, full_name=f"Borger {n:02d}")
    client = as_user(client, caseworker)
    first = body(client.get(QUEUE, {"ordering": "application__full_name"}))
    assert "Borger 00" in first and "Borger 54" not in first
    second = body(client.get(QUEUE, {"ordering": "application__full_name", "p": 2}))
    assert "Borger 54" in second and "Borger 00" not in second


def test_the_queue_needs_the_same_queries_for_1_and_30_cases(client, caseworker, nordby,
                                                            django_assert_max_num_queries):
    open_case(nordby)
    client = as_user(client, caseworker)
    client.get(QUEUE)  # warm caches (site, content types)
    with django_assert_max_num_queries(40) as one:
        client.get(QUEUE)
    for _ in range(29):
        open_case(nordby)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(QUEUE, {"assigned": "", "waiting": ""})
    assert response.status_code == 200


def test_only_the_coordinator_exports_and_the_export_is_logged(client, caseworker, coordinator, case, sydby_case):
    assert "Download CSV" not in body(as_user(client, caseworker).get(QUEUE))
    # Wagtail answers a refused admin request with a redirect and a message.
    assert client.get(QUEUE, {"export": "csv"}).status_code in (302, 403)
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()
    client = as_user(client, coordinator)
    response = client.get(QUEUE, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()
                                       if response.streaming else response.content.decode())))
    flat = "\n".join(",".join(row) for row in rows)
    assert case.reference in flat and sydby_case.reference not in flat and FULL_CPR not in flat
    assert AccessLogEntry.objects.filter(user=coordinator, action=AccessLogEntry.Action.EXPORT).count() == 1
    assert client.get(QUEUE, {"export": "xlsx"}).status_code == 200


@pytest.mark.parametrize("email", ["redaktoer@nordby.example", "styregruppe@nordby.example"])
def test_editors_and_the_steering_group_have_no_queue(client, demo, email):
    response = as_user(client, staff(email)).get(QUEUE)
    assert response.status_code in (302, 403)
    assert "Amina" not in body(response)


# --- The case page ------------------------------------------------------------------------------


def case_page(case):
    return reverse("backoffice:case", args=[case.pk])


def test_the_case_page_shows_the_application_masked_and_logs_the_view(client, caseworker, case):
    add_document(case)
    response = as_user(client, caseworker).get(case_page(case))
    page = body(response)
    assert response.status_code == 200
    assert "Amina Hansen" in page and "010190-****" in page and FULL_CPR not in page
    assert "forretningsplan.pdf" in page and "Systue med reparationer" in page
    assert AccessLogEntry.objects.filter(user=caseworker, case=case, action="view_case").count() == 1


def test_another_municipalitys_case_is_404_and_unknown_too(client, demo, sydby_case):
    client = as_user(client, staff("sagsbehandler@nordby.example"))
    assert client.get(case_page(sydby_case)).status_code == 404
    assert client.get(reverse("backoffice:case", args=[999999])).status_code == 404
    assert not AccessLogEntry.objects.filter(case=sydby_case).exists()


def test_showing_the_full_cpr_number_is_a_post_and_is_logged(client, caseworker, case):
    client = as_user(client, caseworker)
    assert client.get(reverse("backoffice:case_cpr", args=[case.pk])).status_code == 405
    response = client.post(reverse("backoffice:case_cpr", args=[case.pk]))
    assert FULL_CPR in body(response)
    assert AccessLogEntry.objects.filter(case=case, action="reveal_cpr").count() == 1


def test_take_assign_and_start_the_assessment(client, caseworker, coordinator, case):
    client = as_user(client, caseworker)
    client.post(reverse("backoffice:case_take", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.assigned_to == caseworker
    client.post(reverse("backoffice:case_start", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == S.SCREENING
    client = as_user(client, coordinator)
    response = client.post(reverse("backoffice:case_assign", args=[case.pk]),
                           {"version": case.version, "assignee": coordinator.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == coordinator
    actions = set(ModelLogEntry.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"backoffice.case.assigned", "backoffice.case.status_changed"} <= actions


def test_a_change_on_an_outdated_page_is_refused(client, coordinator, caseworker, case):
    client = as_user(client, coordinator)
    stale = case.version
    client.post(reverse("backoffice:case_assign", args=[case.pk]), {"version": stale, "assignee": caseworker.pk})
    response = client.post(reverse("backoffice:case_assign", args=[case.pk]),
                           {"version": stale, "assignee": coordinator.pk}, follow=True)
    case.refresh_from_db()
    assert case.assigned_to == caseworker
    assert "Genindlæs siden" in body(response) or "Reload the page" in body(response)


def test_a_caseworker_cannot_assign_to_staff_of_another_municipality(client, coordinator, case):
    response = as_user(client, coordinator).post(
        reverse("backoffice:case_assign", args=[case.pk]),
        {"version": case.version, "assignee": staff("sagsbehandler@sydby.example").pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assigned_to is None


def test_journal_note_with_when_it_was_said(client, caseworker, case):
    said = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client = as_user(client, caseworker)
    client.post(reverse("backoffice:case_note", args=[case.pk]),
                {"version": case.version, "body": "Borgeren ringede: har fået tilbud på symaskine.",
                 "noted_at": said})
    note = JournalNote.objects.get(case=case)
    assert note.author == caseworker and timezone.localtime(note.noted_at).strftime("%Y-%m-%dT%H:%M") == said
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="backoffice.case.note_added")
    assert "symaskine" not in str(entry.data)
    empty = client.post(reverse("backoffice:case_note", args=[case.pk]), {"version": case.version, "body": " "})
    assert empty.status_code == 400 and JournalNote.objects.filter(case=case).count() == 1


def test_request_for_information_waits_for_the_citizen_and_emails_without_content(
        client, caseworker, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(client, caseworker).post(reverse("backoffice:case_request", args=[case.pk]), {
            "version": case.version, "question": "Send os dit budget for første år.",
            "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat()})
    case.refresh_from_db()
    assert case.status == S.AWAITING_INFORMATION
    assert InformationRequest.objects.get(case=case).question.startswith("Send os")
    [email] = mail.outbox
    assert "budget" not in email.body and email.to == ["borger@nordby.example"]


def test_a_deadline_in_the_past_is_refused_next_to_the_field(client, caseworker, case):
    response = as_user(client, caseworker).post(reverse("backoffice:case_request", args=[case.pk]), {
        "version": case.version, "question": "Budget?", "due_on": "2020-01-01"})
    assert response.status_code == 400 and "Fristen kan ikke ligge" in body(response)
    assert not InformationRequest.objects.filter(case=case).exists()


def test_messages_to_and_from_the_citizen(client, caseworker, case, django_capture_on_commit_callbacks):
    Message.objects.create(case=case, sender=case.citizen, body="Hvornår hører jeg noget?")
    client = as_user(client, caseworker)
    page = body(client.get(case_page(case)))
    assert "Hvornår hører jeg noget?" in page
    assert Message.objects.get(case=case, from_staff=False).read_by_staff_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("backoffice:case_message", args=[case.pk]),
                    {"version": case.version, "body": "Vi ringer i næste uge."})
    assert Message.objects.filter(case=case, from_staff=True, sender=caseworker).count() == 1
    assert "Vi ringer" not in mail.outbox[-1].body


def test_the_case_page_needs_the_same_queries_however_much_the_case_holds(
        client, caseworker, case, django_assert_max_num_queries):
    client = as_user(client, caseworker)
    client.get(case_page(case))
    with django_assert_max_num_queries(60) as few:
        client.get(case_page(case))
    for n in range(10):
        add_document(case, name=f"bilag-{n}.pdf", kind=Document.Kind.OTHER)
        Message.objects.create(case=case, sender=case.citizen, body=f"Besked {n}")
        JournalNote.objects.create(case=case, author=caseworker, body=f"Note {n}")
        InformationRequest.objects.create(case=case, question=f"Spørgsmål {n}", due_on=timezone.localdate(),
                                          created_by=caseworker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(case_page(case))


# --- Documents ----------------------------------------------------------------------------------


def test_download_is_an_attachment_never_sniffed_and_logged(client, caseworker, case):
    document = add_document(case)
    response = as_user(client, caseworker).get(reverse("backoffice:document", args=[case.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessLogEntry.objects.filter(document=document, action="download_document").count() == 1


def test_pdf_preview_is_inline_only_framed_by_us(client, caseworker, case):
    document = add_document(case)
    client = as_user(client, caseworker)
    page = client.get(reverse("backoffice:document_preview", args=[case.pk, document.pk]))
    assert page.status_code == 200 and "<iframe" in body(page)
    inline = client.get(reverse("backoffice:document_inline", args=[case.pk, document.pk]))
    assert inline["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    assert inline["X-Frame-Options"] == "SAMEORIGIN"


def test_an_infected_file_and_another_municipalitys_file_are_404(client, caseworker, case, sydby_case):
    infected = add_document(case, scan_status=Document.ScanStatus.INFECTED)
    theirs = add_document(sydby_case)
    client = as_user(client, caseworker)
    assert client.get(reverse("backoffice:document", args=[case.pk, infected.pk])).status_code == 404
    assert client.get(reverse("backoffice:document", args=[sydby_case.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("backoffice:document", args=[case.pk, theirs.pk])).status_code == 404


# --- Find by CPR --------------------------------------------------------------------------------


def test_find_by_cpr_is_posted_and_exact(client, caseworker, case, sydby_case):
    client = as_user(client, caseworker)
    found = client.post(reverse("backoffice:find_by_cpr"), {"cpr_number": "0101901234"})
    assert found.status_code == 302 and found["Location"] == case_page(case)
    other = client.post(reverse("backoffice:find_by_cpr"), {"cpr_number": "020285-4321"})
    assert other.status_code == 200 and sydby_case.reference not in body(other)
    assert "020285" not in body(other)
    assert client.post(reverse("backoffice:find_by_cpr"), {"cpr_number": "010190"}).status_code == 200


# --- Audit --------------------------------------------------------------------------------------


def test_the_coordinator_reads_the_audit_log_per_case_and_per_user(client, caseworker, coordinator, case):
    as_user(client, caseworker).get(case_page(case))
    client.post(reverse("backoffice:case_take", args=[case.pk]), {"version": case.version})
    assert client.get(reverse("backoffice:case_log", args=[case.pk])).status_code in (302, 403)
    client = as_user(client, coordinator)
    per_case = body(client.get(reverse("backoffice:case_log", args=[case.pk])))
    assert "Sagsbehandler" in per_case or caseworker.get_full_name() in per_case
    per_user = body(client.get(reverse("backoffice:audit_user", args=[caseworker.pk])))
    assert case.reference in per_user
    sydby = staff("sagsbehandler@sydby.example")
    assert client.get(reverse("backoffice:audit_user", args=[sydby.pk])).status_code == 404


def test_book_a_talk_is_offered_only_during_the_screening(client, caseworker, case):
    talk_link = reverse("backoffice:talk_new", args=[case.pk])
    page = as_user(client, caseworker).get(reverse("backoffice:case", args=[case.pk]))
    assert talk_link in page.content.decode()
    Case.objects.filter(pk=case.pk).update(status=S.ADMITTED)
    page = client.get(reverse("backoffice:case", args=[case.pk]))
    assert page.status_code == 200 and talk_link not in page.content.decode()
