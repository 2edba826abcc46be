"""What the citizen does on their own case (answer, write, withdraw, take a
copy of their data) and what My page reads: only their own cases, status in
plain words, e-mails that carry no content, audit entries without CPR."""

import datetime as dt
import io
import json
import uuid
import zipfile

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from backoffice import roles, selectors
from backoffice.models import (
    AccessLogEntry,
    Case,
    Decision,
    Document,
    InformationRequest,
    Message,
    ScreeningTalk,
    StaffMembership,
)
from backoffice.services import citizen as services
from backoffice.services import notifications
from backoffice.services.cases import ApplicationSubmission, SubmittedDocument, submit_application
from backoffice.uploads import validate_upload
from tests.files import pdf_bytes

FULL_CPR = "010190-1234"
ANSWERS = {
    "full_name": "Amina Hansen",
    "cpr_number": FULL_CPR,
    "email": "amina@example.dk",
    "business_idea": "Systue med reparationer",
}
SECRET = "Min gæld til SKAT er 12.000 kr."  # a message text that must never leave the site


@pytest.fixture(autouse=True)
def no_scanner(settings):
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""
    settings.LANGUAGE_CODE = "da"


@pytest.fixture
def citizen(make_user):
    return make_user("amina@example.dk", email="amina@example.dk")


def _plan():
    stored = storages["private"].save("uploads/citizen-services-plan.pdf", ContentFile(pdf_bytes()))
    return SubmittedDocument(
        kind=Document.Kind.BUSINESS_PLAN,
        stored_name=stored,
        original_name="plan.pdf",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
    )


def open_case(municipality, citizen, status=None, documents=None):
    case, _ = submit_application(
        ApplicationSubmission(
            submission_key=uuid.uuid4(),
            municipality=municipality,
            citizen=citizen,
            answers=dict(ANSWERS),
            documents=[_plan()] if documents is None else documents,
        )
    )
    if status:
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
    return case


@pytest.fixture
def case(municipality, citizen):
    return open_case(municipality, citizen)


def ask(case, staff, question="Send us your budget for the first year.", due=None):
    return InformationRequest.objects.create(
        case=case,
        question=question,
        due_on=due or timezone.localdate() + dt.timedelta(days=14),
        created_by=staff,
    )


def upload(name="budget.pdf", content=None):
    return validate_upload(SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf"))


@pytest.fixture
def caseworkers(municipality, make_municipality, make_user):
    """Two caseworkers in the case's municipality, one in another."""
    group = roles.ensure_role_groups()[roles.CASEWORKER]
    other = make_municipality("Andeby")
    users = []
    for name, place in (("cw1", municipality), ("cw2", municipality), ("cw-other", other)):
        user = make_user(name, email=f"{name}@kommune.example", is_staff=True)
        user.groups.add(group)
        StaffMembership.objects.create(user=user, municipality=place)
        users.append(user)
    return users


def _log_entries(case):
    return ModelLogEntry.objects.filter(object_id=str(case.pk)).order_by("timestamp", "id")


def _no_cpr_in_logs(case):
    for entry in _log_entries(case):
        text = json.dumps(entry.data, default=str) + entry.label
        assert "010190" not in text and FULL_CPR not in text


# --- Status changes -----------------------------------------------------------------------------


def test_withdrawing_changes_status_bumps_version_logs_and_tells_staff(
    case, citizen, caseworkers, django_capture_on_commit_callbacks
):
    version = case.version
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_case(case, citizen)

    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN and case.withdrawn_at is not None
    assert case.version == version + 1
    entry = _log_entries(case).get(action=services.WITHDRAWN_ACTION)
    assert entry.user == citizen
    assert entry.data["from"] == "submitted" and entry.data["to"] == "withdrawn"
    _no_cpr_in_logs(case)

    [message] = mail.outbox
    assert sorted(message.to) == [
        "cw1@kommune.example",
        "cw2@kommune.example",
    ]  # not the other municipality's
    assert case.reference in message.subject
    assert "Amina" not in message.body and FULL_CPR not in message.body


def test_withdrawing_twice_or_from_the_course_is_refused_and_changes_nothing(municipality, case, citizen):
    services.withdraw_case(case, citizen)
    with pytest.raises(services.TransitionNotAllowed):
        services.withdraw_case(case, citizen)

    in_course = open_case(municipality, citizen, status=Case.Status.IN_COURSE)
    with pytest.raises(services.TransitionNotAllowed):
        services.withdraw_case(in_course, citizen)
    in_course.refresh_from_db()
    assert in_course.status == Case.Status.IN_COURSE and in_course.version == 1
    assert not _log_entries(in_course).filter(action=services.WITHDRAWN_ACTION).exists()


def test_only_the_citizen_can_withdraw_their_case(case, make_user):
    with pytest.raises(PermissionError):
        services.withdraw_case(case, make_user("someone-else"))
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED


def test_transition_checks_the_status_in_the_database_not_the_stale_object(case, citizen):
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_COURSE)
    with pytest.raises(services.TransitionNotAllowed):
        services.transition_case(stale, Case.Status.WITHDRAWN, user=citizen)


# --- Answers to requests for information ----------------------------------------------------------


def test_an_answer_with_text_and_a_file_is_stored_and_the_case_goes_back_to_assessment(
    municipality, citizen, staff, caseworkers, django_capture_on_commit_callbacks
):
    case = open_case(municipality, citizen, status=Case.Status.AWAITING_INFORMATION)
    request = ask(case, staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answered, documents = services.answer_information_request(
            request, citizen, "  Budgettet er vedlagt.  ", [upload()]
        )

    request.refresh_from_db()
    assert request.answer_text == "Budgettet er vedlagt." and request.answered_at is not None
    [document] = documents
    assert document.kind == Document.Kind.INFORMATION_ANSWER and document.information_request == request
    assert document.visible_to_citizen and document.uploaded_by == citizen
    assert document.file.storage.exists(document.file.name)
    case.refresh_from_db()
    assert case.status == Case.Status.SCREENING
    assert case.version == 3  # the answer, then the status change
    actions = list(_log_entries(case).values_list("action", flat=True))
    assert {
        services.INFORMATION_ANSWERED_ACTION,
        services.CITIZEN_DOCUMENT_ACTION,
        services.STATUS_CHANGED_ACTION,
    } <= set(actions)
    _no_cpr_in_logs(case)
    [message] = mail.outbox
    assert case.reference in message.subject and "Budgettet" not in message.body


def test_the_case_waits_while_another_request_is_open(municipality, citizen, staff):
    case = open_case(municipality, citizen, status=Case.Status.AWAITING_INFORMATION)
    first, second = ask(case, staff), ask(case, staff, "Send your CV.")
    services.answer_information_request(first, citizen, "Her er budgettet.")
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_INFORMATION
    services.answer_information_request(second, citizen, "", [upload("cv.pdf")])
    case.refresh_from_db()
    assert case.status == Case.Status.SCREENING


def test_an_answer_in_screening_does_not_change_the_status(municipality, citizen, staff):
    case = open_case(municipality, citizen, status=Case.Status.SCREENING)
    services.answer_information_request(ask(case, staff), citizen, "Svar")
    case.refresh_from_db()
    assert case.status == Case.Status.SCREENING and case.version == 2


def test_answers_that_cannot_be_taken_are_refused_without_storing_anything(
    municipality, citizen, staff, make_user
):
    case = open_case(municipality, citizen, status=Case.Status.AWAITING_INFORMATION)
    request = ask(case, staff)
    with pytest.raises(services.CitizenActionRefused) as empty:
        services.answer_information_request(request, citizen, "   ")
    assert empty.value.code == "empty"
    with pytest.raises(PermissionError):
        services.answer_information_request(request, make_user("other-citizen"), "Svar")

    services.answer_information_request(request, citizen, "Svar")
    with pytest.raises(services.CitizenActionRefused) as again:
        services.answer_information_request(request, citizen, "Nyt svar", [upload()])
    assert again.value.code == "answered"
    request.refresh_from_db()
    assert request.answer_text == "Svar"
    assert not Document.objects.filter(case=case, kind=Document.Kind.INFORMATION_ANSWER).exists()

    withdrawn = open_case(municipality, citizen, status=Case.Status.WITHDRAWN)
    with pytest.raises(services.CitizenActionRefused) as closed:
        services.answer_information_request(ask(withdrawn, staff), citizen, "Svar")
    assert closed.value.code == "closed"


def test_a_failed_answer_removes_the_files_it_had_stored(municipality, citizen, staff, monkeypatch):
    case = open_case(municipality, citizen, status=Case.Status.AWAITING_INFORMATION)
    request = ask(case, staff)
    stored = []
    original = services.add_citizen_document

    def add_and_remember(*args, **kwargs):
        document = original(*args, **kwargs)
        stored.append(document.file.name)
        return document

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "add_citizen_document", add_and_remember)
    monkeypatch.setattr(services.transitions, "bump_version", fail)
    with pytest.raises(RuntimeError):
        services.answer_information_request(request, citizen, "Svar", [upload(), upload("cv.pdf")])
    assert len(stored) == 2
    assert not any(storages["private"].exists(name) for name in stored)
    request.refresh_from_db()
    assert (
        request.is_open
        and not Document.objects.filter(case=case, kind=Document.Kind.INFORMATION_ANSWER).exists()
    )


# --- Messages -------------------------------------------------------------------------------------


def test_a_message_reaches_the_assigned_caseworker_by_email_without_its_content(
    case, citizen, caseworkers, django_capture_on_commit_callbacks
):
    Case.objects.filter(pk=case.pk).update(assigned_to=caseworkers[1])
    case.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_citizen_message(case, citizen, f"  {SECRET}\n")

    assert message.body == SECRET and not message.from_staff and message.sender == citizen
    [email] = mail.outbox
    assert email.to == ["cw2@kommune.example"]
    html = email.alternatives[0][0]
    for text in (email.subject, email.body, html):
        assert "SKAT" not in text and "Amina" not in text and "010190" not in text
    assert "/admin/" in email.body
    entry = _log_entries(case).get(action=services.CITIZEN_MESSAGE_ACTION)
    assert SECRET not in json.dumps(entry.data)


def test_empty_long_and_late_messages_are_refused(municipality, case, citizen):
    with pytest.raises(services.CitizenActionRefused):
        services.send_citizen_message(case, citizen, " \n ")
    with pytest.raises(services.CitizenActionRefused):
        services.send_citizen_message(case, citizen, "x" * (services.MESSAGE_MAX_LENGTH + 1))
    closed = open_case(municipality, citizen, status=Case.Status.CLOSED)
    with pytest.raises(services.CitizenActionRefused):
        services.send_citizen_message(closed, citizen, "Hej")
    # Withdrawn is not closed yet: the citizen can still explain why.
    withdrawn = open_case(municipality, citizen, status=Case.Status.WITHDRAWN)
    services.send_citizen_message(withdrawn, citizen, "Jeg har fået job.")
    assert Message.objects.filter(case__citizen=citizen).count() == 1


def test_reading_marks_only_staff_messages_and_only_for_the_citizen(case, citizen, staff, make_user):
    Message.objects.create(case=case, sender=staff, from_staff=True, body="Hej")
    own = Message.objects.create(case=case, sender=citizen, from_staff=False, body="Hej selv")
    assert services.mark_messages_read_by_citizen(case, make_user("nosy")) == 0
    assert services.mark_messages_read_by_citizen(case, citizen) == 1
    own.refresh_from_db()
    assert own.read_by_citizen_at is None


def test_the_citizen_email_links_to_the_case_on_their_own_site_and_says_nothing_else(
    case, citizen, django_capture_on_commit_callbacks
):
    Message.objects.create(case=case, from_staff=True, body=SECRET)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_citizen(case, notifications.CITIZEN_MESSAGE)
    [email] = mail.outbox
    assert email.to == ["amina@example.dk"]
    url = f"http://{case.municipality.site.hostname}/my-page/cases/{case.reference}/"
    assert url in email.body and url in email.alternatives[0][0]
    assert "SKAT" not in email.body + email.subject
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"

    mail.outbox.clear()
    with translation.override("en"):
        assert "/en/my-page/cases/" in notifications.citizen_case_url(case, "en")


def test_unknown_notifications_are_refused(case):
    with pytest.raises(ValueError):
        notifications.notify_staff(case, "gossip")
    with pytest.raises(ValueError):
        notifications.notify_citizen(case, "gossip")


# --- Reads for My page ----------------------------------------------------------------------------


def test_citizens_see_only_their_own_cases_in_this_municipality(
    municipality, make_municipality, citizen, make_user
):
    mine = open_case(municipality, citizen)
    open_case(municipality, make_user("neighbour"))
    open_case(make_municipality("Andeby"), citizen)
    gone = open_case(municipality, citizen)
    Case.objects.filter(pk=gone.pk).update(status=Case.Status.ANONYMISED, anonymised_at=timezone.now())

    assert [c.pk for c in selectors.cases_for_citizen(citizen, municipality)] == [mine.pk]
    assert selectors.case_for_citizen(citizen, municipality, mine.reference) == mine
    for reference in (gone.reference, "NOR-2026-99999"):
        with pytest.raises(Case.DoesNotExist):
            selectors.case_for_citizen(citizen, municipality, reference)


def test_the_overview_counts_what_needs_the_citizens_attention(case, citizen, staff, municipality):
    soon = timezone.localdate() + dt.timedelta(days=3)
    ask(case, staff, due=soon + dt.timedelta(days=7))
    ask(case, staff, due=soon)
    InformationRequest.objects.create(
        case=case, question="Gammel", due_on=soon, created_by=staff, answered_at=timezone.now()
    )
    Message.objects.create(case=case, from_staff=True, body="Ny")
    Message.objects.create(case=case, from_staff=True, body="Læst", read_by_citizen_at=timezone.now())
    Message.objects.create(case=case, from_staff=False, body="Min egen")
    start = timezone.now() + dt.timedelta(days=2)
    ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    ScreeningTalk.objects.create(
        case=case,
        starts_at=start - dt.timedelta(days=1),
        ends_at=start - dt.timedelta(hours=23),
        cancelled_at=timezone.now(),
    )

    [summary] = selectors.cases_for_citizen(citizen, municipality)
    assert summary.open_requests == 2 and summary.next_due == soon
    assert summary.unread_messages == 1
    assert summary.next_talk_at == start


def test_documents_the_citizen_may_download(case, citizen, municipality, make_user):
    plan = case.documents.get()
    hidden = Document.objects.create(
        case=case, kind=Document.Kind.OTHER, file=plan.file.name, visible_to_citizen=False
    )
    infected = Document.objects.create(
        case=case,
        kind=Document.Kind.OTHER,
        file=plan.file.name,
        visible_to_citizen=True,
        scan_status=Document.ScanStatus.INFECTED,
    )
    assert selectors.document_for_citizen(citizen, municipality, plan.pk) == plan
    for pk in (hidden.pk, infected.pk):
        with pytest.raises(Document.DoesNotExist):
            selectors.document_for_citizen(citizen, municipality, pk)
    with pytest.raises(Document.DoesNotExist):
        selectors.document_for_citizen(make_user("other"), municipality, plan.pk)


@pytest.mark.parametrize(
    ("status", "states"),
    [
        (
            Case.Status.SUBMITTED,
            ["done", "current", "upcoming", "upcoming", "upcoming", "upcoming", "upcoming"],
        ),
        (Case.Status.IN_COURSE, ["done", "done", "done", "current", "upcoming", "upcoming", "upcoming"]),
        (Case.Status.NOT_ADMITTED, ["done", "done", "ended"]),
        (Case.Status.WITHDRAWN, ["done", "ended"]),
        (Case.Status.LOAN_DISBURSED, ["done"] * 6 + ["current"]),
    ],
)
def test_the_stages_show_where_the_case_is(status, states):
    assert [s["state"] for s in selectors.status_stages(Case(status=status))] == states


def test_every_status_has_plain_words_for_the_citizen():
    for status in Case.Status:
        words = selectors.citizen_status(status)
        assert words.label and (words.next_text or status == Case.Status.ANONYMISED)
        assert words.tone in ("info", "action", "success", "ended")


def test_the_timeline_tells_the_story_in_order_with_the_coming_talk_last(case, citizen, staff):
    now = timezone.now()
    sent = now - dt.timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(submitted_at=sent)
    case.documents.update(uploaded_at=sent)
    request = ask(case, staff)
    services.answer_information_request(request, citizen, "Svar", [upload()])
    past = now - dt.timedelta(hours=2)
    ScreeningTalk.objects.create(case=case, starts_at=past, ends_at=past + dt.timedelta(hours=1))
    coming = now + dt.timedelta(days=5)
    ScreeningTalk.objects.create(
        case=case, starts_at=coming, ends_at=coming + dt.timedelta(hours=1), location="Jobcentret, lokale 3"
    )
    letter = Document.objects.create(
        case=case,
        kind=Document.Kind.DECISION_LETTER,
        file="documents/x",
        original_name="afgoerelse.pdf",
        visible_to_citizen=True,
    )
    Decision.objects.create(
        case=case,
        kind=Decision.Kind.ADMIT_TO_COURSE,
        fully_granted=True,
        status=Decision.Status.FINAL,
        decided_by=staff,
        decided_at=now,
        letter=letter,
    )
    Decision.objects.create(case=case, kind=Decision.Kind.GRANT_LOAN, status=Decision.Status.DRAFT)
    Message.objects.create(case=case, from_staff=True, body="Velkommen")

    case.refresh_from_db()
    detail = selectors.citizen_case_detail(case)
    kinds = [event.kind for event in detail.timeline]
    assert kinds[0] == "submitted" and kinds[-1] == "talk" and detail.timeline[-1].upcoming
    assert kinds.count("decision") == 1  # the draft decision is not shown
    assert {"information_requested", "information_answered", "talk", "message"} <= set(kinds)
    decision = next(e for e in detail.timeline if e.kind == "decision")
    assert decision.url_arg == letter.pk
    assert [d.pk for d in detail.letters] == [letter.pk]
    assert all(d.uploaded_by == citizen for d in detail.documents) and len(detail.documents) == 2
    actions = [a.kind for a in detail.actions]
    assert actions == ["talk", "messages"]  # the request is answered; the talk is coming


def test_next_actions_put_the_earliest_deadline_first(case, staff):
    late = ask(case, staff, due=timezone.localdate() + dt.timedelta(days=20))
    early = ask(case, staff, due=timezone.localdate() - dt.timedelta(days=1))
    detail = selectors.citizen_case_detail(case)
    assert [a.request for a in detail.actions] == [early, late]
    with translation.override("en"):
        assert "The deadline was" in str(selectors.citizen_case_detail(case).actions[0].text)


# --- Everything about me --------------------------------------------------------------------------


def _zip(export):
    data = export.file.read()
    assert len(data) == export.size
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_export_holds_the_summary_with_full_cpr_and_the_citizens_own_files(
    municipality, make_municipality, case, citizen, staff, make_user
):
    services.send_citizen_message(case, citizen, SECRET)
    request = ask(case, staff)
    services.answer_information_request(request, citizen, "Svar", [upload("budget.pdf")])
    plan = case.documents.get(kind=Document.Kind.BUSINESS_PLAN)
    Document.objects.create(
        case=case,
        kind=Document.Kind.OTHER,
        file=plan.file.name,
        original_name="intern.pdf",
        visible_to_citizen=False,
    )
    Document.objects.create(
        case=case,
        kind=Document.Kind.OTHER,
        file=plan.file.name,
        original_name="virus.pdf",
        visible_to_citizen=True,
        scan_status=Document.ScanStatus.INFECTED,
    )
    open_case(make_municipality("Andeby"), citizen)  # another municipality's data is not in this one's export
    open_case(municipality, make_user("neighbour"))
    draft_file = storages["private"].save("drafts/export-test.pdf", ContentFile(pdf_bytes()))
    draft = services.ExportedDraft(
        id="d1",
        status="draft",
        started_at=timezone.now(),
        last_saved_at=timezone.now(),
        submitted_at=None,
        answers={"business_idea": "Café"},
        files=[
            services.ExportedFile(
                kind="budget",
                original_name="budget.pdf",
                content_type="application/pdf",
                size=10,
                uploaded_at=timezone.now(),
                file=Document(file=draft_file).file,
            )
        ],
    )

    export = services.export_citizen_data(citizen, municipality, drafts=[draft], ip="127.0.0.1")
    assert export.filename.endswith(".zip")
    archive = _zip(export)
    summary = json.loads(archive.read("summary.json"))
    assert summary["account"]["email"] == "amina@example.dk"
    [exported] = summary["cases"]
    assert exported["reference"] == case.reference
    assert exported["application"]["cpr_number"] == FULL_CPR  # their own data, in full
    assert exported["messages"][0]["message"] == SECRET
    assert exported["information_requests"][0]["answer"] == "Svar"
    names = {d["name"]: d for d in exported["documents"]}
    assert "intern.pdf" not in names
    assert names["virus.pdf"]["path"] is None
    paths = [d["path"] for d in exported["documents"] if d["path"]]
    assert len(paths) == 2 and all(p.startswith(f"files/{case.reference}/") for p in paths)
    for path in paths:
        assert archive.read(path).startswith(b"%PDF-")
    assert summary["drafts"][0]["answers"] == {"business_idea": "Café"}
    assert archive.read(summary["drafts"][0]["files"][0]["path"]).startswith(b"%PDF-")
    assert set(archive.namelist()) == {"summary.json", *paths, summary["drafts"][0]["files"][0]["path"]}

    entry = AccessLogEntry.objects.get(user=citizen, action=AccessLogEntry.Action.EXPORT)
    assert entry.municipality == municipality and entry.ip == "127.0.0.1"


def test_two_files_with_the_same_name_both_get_into_the_export(case, citizen, staff, municipality):
    services.answer_information_request(ask(case, staff), citizen, "", [upload("plan.pdf")])
    archive = _zip(services.export_citizen_data(citizen, municipality))
    files = sorted(n for n in archive.namelist() if n.startswith("files/"))
    assert files == [f"files/{case.reference}/plan-2.pdf", f"files/{case.reference}/plan.pdf"]
