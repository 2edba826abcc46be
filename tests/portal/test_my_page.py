"""My page in the browser's terms: the citizen sees their applications and
cases, answers our questions with text and files, writes to the caseworker,
withdraws, and downloads everything we hold; anybody else gets a 404 on
every one of those URLs, and the pages cost the same number of queries
however much a case holds."""

import datetime as dt
import io
import json
import uuid
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from backoffice.models import AccessLogEntry, Case, Document, InformationRequest, Message, ScreeningTalk
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.services.receipts import create_receipt
from portal.models import ApplicationDraft, DraftDocument

from ..files import pdf_bytes

User = get_user_model()
FULL_CPR = "010190-1234"
ANSWERS = {
    "full_name": "Bo Borger",
    "cpr_number": FULL_CPR,
    "email": "borger@nordby.example",
    "business_idea": "Cykelværksted i Nordby",
}
SYDBY_HOST = "localhost:8000"


pytestmark = pytest.mark.usefixtures("danish_without_scanner")


@pytest.fixture
def other_citizen(demo):
    return User.objects.create_user(
        username="anden@nordby.example", email="anden@nordby.example", password="x"
    )


@pytest.fixture
def caseworker(demo):
    return User.objects.get(email="sagsbehandler@nordby.example")


@pytest.fixture
def sydby_staff(demo):
    return User.objects.get(email="sagsbehandler@sydby.example")


@pytest.fixture
def client_(client, citizen):
    client.force_login(citizen)
    return client


def open_case(municipality, citizen, status=None):
    case, _ = submit_application(
        ApplicationSubmission(
            submission_key=uuid.uuid4(), municipality=municipality, citizen=citizen, answers=dict(ANSWERS)
        )
    )
    if status:
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
    return case


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


@pytest.fixture
def receipt(case):
    return create_receipt(case)


def ask(case, staff, question="Send os jeres budget for det første år.", due_in=14):
    return InformationRequest.objects.create(
        case=case,
        question=question,
        created_by=staff,
        due_on=timezone.localdate() + dt.timedelta(days=due_in),
    )


def page(response):
    return response.content.decode()


def case_url(case):
    return reverse("my_page_case", kwargs={"reference": case.reference})


def answer_url(case, request):
    return reverse("my_page_information_answer", kwargs={"reference": case.reference, "pk": request.pk})


def pdf_file(name="budget.pdf", content=None):
    return SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf")


# --- Overview ---------------------------------------------------------------------------------


def test_the_overview_and_the_export_send_anonymous_visitors_to_log_in(client, demo):
    for url in (reverse("my_page"), reverse("my_page_export")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_overview_lists_cases_and_unsent_drafts_of_this_site_only(
    client_, citizen, case, nordby, sydby, caseworker
):
    draft = ApplicationDraft.objects.create(citizen=citizen, municipality=nordby, last_step="money")
    fresh = ApplicationDraft.objects.create(citizen=citizen, municipality=nordby)
    ApplicationDraft.objects.create(
        citizen=citizen, municipality=nordby, status=ApplicationDraft.Status.SUBMITTED
    )
    sydby_draft = ApplicationDraft.objects.create(citizen=citizen, municipality=sydby)
    sydby_case = open_case(sydby, citizen)
    ask(case, caseworker)
    Message.objects.create(case=case, from_staff=True, body="Hej")

    html = page(client_.get(reverse("my_page")))
    assert case_url(case) in html
    assert reverse("application_step", args=[draft.pk, "money"]) in html
    assert reverse("application_step", args=[fresh.pk, "about-you"]) in html
    assert str(sydby_draft.pk) not in html and case_url(sydby_case) not in html
    assert reverse("application_start") in html and reverse("my_page_export") in html
    assert 'class="todo todo--action"' in html  # we need an answer
    assert FULL_CPR not in html and "010190" not in html


def test_a_citizen_who_has_not_applied_is_invited_to(client_):
    with translation.override("en"):
        url = reverse("my_page")
    html = page(client_.get(url))
    assert "You have not applied for a micro-loan yet." in html and 'lang="en"' in html


# --- Access: 404 for everybody else -------------------------------------------------------------


@pytest.fixture
def everything(case, receipt, caseworker):
    """Every URL of the first citizen's case, with what a request to it sends."""
    request = ask(case, caseworker)
    Message.objects.create(case=case, from_staff=True, sender=caseworker, body="Velkommen")
    plan = Document.objects.create(
        case=case,
        kind=Document.Kind.BUSINESS_PLAN,
        file=receipt.file.name,
        original_name="plan.pdf",
        uploaded_by=case.citizen,
        visible_to_citizen=True,
    )
    reference = case.reference
    return [
        ("get", case_url(case), {}),
        ("get", reverse("my_page_case_document", kwargs={"pk": receipt.pk}), {}),  # the receipt PDF
        ("get", reverse("my_page_case_document", kwargs={"pk": plan.pk}), {}),
        ("get", answer_url(case, request), {}),
        ("post", answer_url(case, request), {"answer_text": "Overtaget!"}),
        ("get", reverse("my_page_message", kwargs={"reference": reference}), {}),
        ("post", reverse("my_page_message", kwargs={"reference": reference}), {"body": "Overtaget!"}),
        ("get", reverse("my_page_withdraw", kwargs={"reference": reference}), {}),
        ("post", reverse("my_page_withdraw", kwargs={"reference": reference}), {}),
    ]


def _assert_all_404(client, urls, **extra):
    for method, url, data in urls:
        response = getattr(client, method)(url, data, **extra)
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
        assert "Velkommen" not in page(response) and "Cykelværksted" not in page(response)


def _assert_untouched(case):
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.version == 1
    assert not Message.objects.filter(case=case, from_staff=False).exists()
    assert InformationRequest.objects.get(case=case).is_open
    assert not AccessLogEntry.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "who",
    ["anonymous", "second citizen", "staff of the other municipality", "caseworker of the same municipality"],
)
def test_everybody_else_gets_404_on_every_url_of_the_case(
    who, client, case, everything, other_citizen, sydby_staff, caseworker
):
    user = {
        "second citizen": other_citizen,
        "staff of the other municipality": sydby_staff,
        "caseworker of the same municipality": caseworker,
    }.get(who)
    if user is not None:
        client.force_login(user)
    _assert_all_404(client, everything)
    if who == "staff of the other municipality":  # also on their own site
        _assert_all_404(client, everything, HTTP_HOST=SYDBY_HOST)
    _assert_untouched(case)


@pytest.mark.parametrize("who", ["anonymous", "second citizen", "staff of the other municipality"])
def test_the_application_urls_of_the_first_citizen_are_404_too(
    who, client, citizen, nordby, case, receipt, other_citizen, sydby_staff
):
    """The online application's own URLs (drafts, their files, the receipt
    page), for the same requirement: 404, never 403."""
    sent = ApplicationDraft.objects.create(
        citizen=citizen,
        municipality=nordby,
        case=case,
        status=ApplicationDraft.Status.SUBMITTED,
        answers=dict(ANSWERS),
    )
    draft = ApplicationDraft.objects.create(citizen=citizen, municipality=nordby, answers=dict(ANSWERS))
    file = DraftDocument.objects.create(
        draft=draft,
        kind="budget",
        file=receipt.file.name,
        original_name="b.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        scan_status="clean",
    )
    urls = [
        ("get", reverse("application_receipt", kwargs={"draft_id": sent.pk}), {}),
        ("get", reverse("application_document", kwargs={"draft_id": draft.pk, "document_id": file.pk}), {}),
        ("post", reverse("application_submit", kwargs={"draft_id": draft.pk}), {}),
    ]
    if who != "anonymous":  # anonymous visitors on a step are asked to log in, whether it exists or not
        urls.append(("get", reverse("application_step", args=[draft.pk, "about-you"]), {}))
        client.force_login({"second citizen": other_citizen}.get(who, sydby_staff))
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, f"{who}: {method.upper()} {url}: {response.status_code}"
        assert "Cykelværksted" not in page(response)
    draft.refresh_from_db()
    assert draft.status == ApplicationDraft.Status.DRAFT


def test_the_citizen_does_not_see_their_case_on_another_municipalitys_site(client_, case, everything):
    _assert_all_404(client_, everything, HTTP_HOST=SYDBY_HOST)
    _assert_untouched(case)


def test_unknown_cases_and_documents_are_404_too(client_, case):
    for url in (
        reverse("my_page_case", kwargs={"reference": "NOR-2026-99999"}),
        reverse("my_page_case_document", kwargs={"pk": 999999}),
        reverse("my_page_information_answer", kwargs={"reference": case.reference, "pk": 999999}),
    ):
        assert client_.get(url).status_code == 404


# --- The case page ----------------------------------------------------------------------------


def test_the_case_page_shows_status_timeline_letters_documents_and_messages(
    client_, case, receipt, caseworker
):
    request = ask(case, caseworker)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.AWAITING_INFORMATION)
    Message.objects.create(case=case, from_staff=True, sender=caseworker, body="Husk budgettet, tak.")
    with translation.override("en"):
        url, receipt_url = case_url(case), reverse("my_page_case_document", kwargs={"pk": receipt.pk})
        request_url = answer_url(case, request)
        withdraw_url = reverse("my_page_withdraw", kwargs={"reference": case.reference})
        html = page(client_.get(url))
    assert "We need more information from you" in html  # the status in plain words
    assert 'aria-current="step"' in html
    assert "You sent your application" in html and "We sent you a receipt" in html
    assert receipt_url in html and request_url in html and withdraw_url in html
    assert "Husk budgettet, tak." in html and ">New</span>" in html
    assert FULL_CPR not in html

    # Seen once: now read.
    assert Message.objects.get(case=case).read_by_citizen_at is not None
    assert ">New</span>" not in page(client_.get(url))


def test_a_talk_that_is_booked_is_shown_as_what_to_do_next(client_, case):
    start = timezone.now() + dt.timedelta(days=4)
    ScreeningTalk.objects.create(
        case=case,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        location="Jobcentret, lokale 3",
        video_url="https://meet.example/abc",
    )
    with translation.override("en"):
        html = page(client_.get(case_url(case)))
    assert "Come to the talk" in html and "Jobcentret, lokale 3" in html
    assert 'href="https://meet.example/abc"' in html and "timeline__item--upcoming" in html


# --- Downloads --------------------------------------------------------------------------------


def test_the_receipt_downloads_as_an_attachment_and_the_download_is_logged(client_, case, receipt, citizen):
    response = client_.get(reverse("my_page_case_document", kwargs={"pk": receipt.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    entry = AccessLogEntry.objects.get(document=receipt)
    assert entry.user == citizen and entry.action == AccessLogEntry.Action.DOWNLOAD_DOCUMENT


def test_hidden_and_infected_documents_are_not_served(client_, case, receipt):
    hidden = Document.objects.create(case=case, file=receipt.file.name, visible_to_citizen=False)
    infected = Document.objects.create(
        case=case, file=receipt.file.name, visible_to_citizen=True, scan_status=Document.ScanStatus.INFECTED
    )
    for document in (hidden, infected):
        assert client_.get(reverse("my_page_case_document", kwargs={"pk": document.pk})).status_code == 404
    html = page(client_.get(case_url(case)))
    assert reverse("my_page_case_document", kwargs={"pk": infected.pk}) not in html


# --- Answering our questions ------------------------------------------------------------------


def test_the_citizen_answers_with_text_and_files(client_, case, caseworker, citizen):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.AWAITING_INFORMATION)
    request = ask(case, caseworker)
    url = answer_url(case, request)
    assert "Send os jeres budget" in page(client_.get(url))

    response = client_.post(
        url, {"answer_text": "Her er budgettet og mit CV.", "files": [pdf_file(), pdf_file("cv.pdf")]}
    )
    assert response.status_code == 302 and response["Location"] == case_url(case) + "#requests"
    request.refresh_from_db()
    assert request.answer_text == "Her er budgettet og mit CV." and not request.is_open
    assert sorted(request.documents.values_list("original_name", flat=True)) == ["budget.pdf", "cv.pdf"]
    case.refresh_from_db()
    assert case.status == Case.Status.SCREENING

    html = page(client_.get(url))  # now shows the answer, with no form
    assert "Her er budgettet og mit CV." in html and 'enctype="multipart/form-data"' not in html
    again = client_.post(url, {"answer_text": "Igen"})
    assert again.status_code == 302
    request.refresh_from_db()
    assert request.answer_text == "Her er budgettet og mit CV."


def test_a_refused_file_keeps_the_typed_text_and_stores_nothing(client_, case, caseworker):
    request = ask(case, caseworker)
    text = "Et langt svar, som jeg har brugt tid på at skrive."
    response = client_.post(
        answer_url(case, request),
        {
            "answer_text": text,
            "files": [pdf_file(), SimpleUploadedFile("budget.pdf", b"MZ\x90\x00 not a pdf")],
        },
    )
    html = page(response)
    assert response.status_code == 200
    assert 'class="error-summary"' in html and 'id="id_files_error"' in html
    assert text in html  # kept in the textarea
    assert "alert--warning" in html  # "choose your files again"
    request.refresh_from_db()
    assert request.is_open and not request.documents.exists()
    assert not Document.objects.filter(case=case, kind=Document.Kind.INFORMATION_ANSWER).exists()


def test_a_file_over_the_limit_is_dropped_while_streaming_and_the_text_is_kept(
    client_, case, caseworker, settings
):
    settings.UPLOAD_MAX_FILE_BYTES = 2000
    request = ask(case, caseworker)
    big = pdf_file(content=pdf_bytes(comment=b"%" + b"x" * 5000 + b"\n"))
    response = client_.post(answer_url(case, request), {"answer_text": "Mit svar", "files": [big]})
    assert response.status_code == 200
    html = page(response)
    assert "Mit svar" in html and 'id="id_files_error"' in html
    request.refresh_from_db()
    assert request.is_open


def test_an_empty_answer_is_refused(client_, case, caseworker):
    request = ask(case, caseworker)
    response = client_.post(answer_url(case, request), {"answer_text": "  "})
    assert response.status_code == 200 and 'class="error-summary"' in page(response)
    request.refresh_from_db()
    assert request.is_open


def test_the_answer_form_checks_csrf(case, caseworker, citizen):
    request = ask(case, caseworker)
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = client.post(answer_url(case, request), {"answer_text": "Svar"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.is_open


# --- Messages ---------------------------------------------------------------------------------


def test_the_citizen_writes_to_the_caseworker(client_, case, citizen):
    url = reverse("my_page_message", kwargs={"reference": case.reference})
    response = client_.post(url, {"body": "Hvornår hører jeg fra jer?"})
    assert response.status_code == 302 and response["Location"] == case_url(case) + "#messages"
    message = Message.objects.get(case=case)
    assert (
        message.body == "Hvornår hører jeg fra jer?" and message.sender == citizen and not message.from_staff
    )
    assert "Hvornår hører jeg fra jer?" in page(client_.get(case_url(case)))

    empty = client_.post(url, {"body": "   "})
    assert (
        empty.status_code == 200
        and 'class="error-summary"' in page(empty)
        and 'id="id_body_error"' in page(empty)
    )
    assert Message.objects.filter(case=case).count() == 1


# --- Withdrawing ------------------------------------------------------------------------------


def test_the_citizen_confirms_and_withdraws(client_, case):
    url = reverse("my_page_withdraw", kwargs={"reference": case.reference})
    confirm = client_.get(url)
    assert confirm.status_code == 200 and "data-submit-once" in page(confirm)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED  # GET changes nothing

    response = client_.post(url)
    assert response.status_code == 302 and response["Location"] == case_url(case)
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    html = page(client_.get(case_url(case)))
    assert url not in html  # no second withdrawal offered

    again = client_.post(url)
    assert again.status_code == 302
    assert "data-submit-once" not in page(client_.get(url))


def test_a_case_in_the_course_cannot_be_withdrawn_here(client_, nordby, citizen):
    case = open_case(nordby, citizen, status=Case.Status.IN_COURSE)
    response = client_.post(reverse("my_page_withdraw", kwargs={"reference": case.reference}))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.IN_COURSE


# --- Everything about me ----------------------------------------------------------------------


def test_the_export_is_a_zip_with_the_summary_and_the_citizens_files(client_, case, receipt, citizen, nordby):
    draft = ApplicationDraft.objects.create(
        citizen=citizen, municipality=nordby, answers={"business_idea": "Café"}
    )
    response = client_.get(reverse("my_page_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and ".zip" in response["Content-Disposition"]
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    summary = json.loads(archive.read("summary.json"))
    [exported] = [c for c in summary["cases"] if c["reference"] == case.reference]
    assert exported["application"]["cpr_number"] == FULL_CPR
    receipt_path = next(d["path"] for d in exported["documents"] if d["kind"] == "application_receipt")
    assert archive.read(receipt_path).startswith(b"%PDF-")
    assert any(
        d["id"] == str(draft.pk) and d["answers"] == {"business_idea": "Café"} for d in summary["drafts"]
    )
    assert AccessLogEntry.objects.filter(user=citizen, action=AccessLogEntry.Action.EXPORT).exists()


# --- Query budget -----------------------------------------------------------------------------


def _fill(case, caseworker, n):
    for i in range(n):
        ask(case, caseworker, f"Spørgsmål {i}")
        Message.objects.create(case=case, from_staff=bool(i % 2), body=f"Besked {i}")
        Document.objects.create(
            case=case,
            kind=Document.Kind.OTHER,
            file="documents/x",
            original_name=f"{i}.pdf",
            uploaded_by=case.citizen if i % 2 else None,
            visible_to_citizen=True,
        )
        start = timezone.now() + dt.timedelta(days=i + 1)
        ScreeningTalk.objects.create(case=case, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def test_the_overview_and_case_page_need_the_same_queries_for_1_and_10_cases(
    client_, citizen, nordby, caseworker, django_assert_max_num_queries
):
    first = open_case(nordby, citizen)
    _fill(first, caseworker, 1)
    Message.objects.create(case=first, from_staff=True, body="Ulæst")  # marking read is one more query
    ApplicationDraft.objects.create(citizen=citizen, municipality=nordby)
    overview, case_page = reverse("my_page"), case_url(first)
    client_.get(overview), client_.get(case_page)  # warm per-process caches (site, content types)
    Message.objects.filter(case__citizen=citizen).update(read_by_citizen_at=None)

    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        assert client_.get(overview).status_code == 200
    with django_assert_max_num_queries(CASE_QUERIES):
        assert client_.get(case_page).status_code == 200

    for _ in range(9):
        _fill(open_case(nordby, citizen), caseworker, 3)
    _fill(first, caseworker, 10)
    for _ in range(4):
        ApplicationDraft.objects.create(citizen=citizen, municipality=nordby)
    Message.objects.filter(case__citizen=citizen).update(read_by_citizen_at=None)

    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        html = page(client_.get(overview))
    assert html.count('class="case-card ') == 10 + 5
    with django_assert_max_num_queries(CASE_QUERIES):
        assert client_.get(case_page).status_code == 200


# Of these, the page layout (session, user, site, settings, menu) takes 18.
OVERVIEW_QUERIES = 21
CASE_QUERIES = 27
