"""The application in the browser's terms: steps that save on every button,
uploads that refuse a bad file without losing the rest, a login in the
middle that loses nothing, and one case however often "Send" is pressed."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice.models import Case, Document
from portal.models import ApplicationDraft, DraftDocument

from ..files import docx_bytes, pdf_bytes, xlsx_bytes
from .applying import ABOUT_YOU, IDEA, add_documents, complete, fill

User = get_user_model()


pytestmark = pytest.mark.usefixtures("danish_without_scanner")


@pytest.fixture
def client_(client, citizen):
    client.force_login(citizen)
    return client


def step_url(draft, slug):
    return reverse("application_step", args=[draft.pk, slug])


def page(response):
    return response.content.decode()


# --- Start ------------------------------------------------------------------------------------


def test_start_needs_login(client, demo):
    response = client.get(reverse("application_start"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_start_explains_and_a_double_click_makes_one_draft(client_, citizen):
    response = client_.get(reverse("application_start"))
    assert response.status_code == 200 and "Før du går i gang" in page(response)
    first = client_.post(reverse("application_start"))
    second = client_.post(reverse("application_start"))
    assert ApplicationDraft.objects.filter(citizen=citizen).count() == 1
    assert first["Location"] == second["Location"].replace("", "") and first["Location"].endswith("/about-you/")
    assert "Fortsæt ansøgningen" in page(client_.get(reverse("application_start")))


# --- Form steps ----------------------------------------------------------------------------------


def test_continue_saves_and_goes_to_the_next_step(client_, draft):
    response = client_.post(step_url(draft, "about-you"), {**ABOUT_YOU, "action": "continue"})
    assert response.status_code == 302 and response["Location"] == step_url(draft, "idea")
    draft.refresh_from_db()
    assert draft.answers["cpr_number"] == "010190-1234" and draft.last_step == "idea"


def test_errors_are_shown_next_to_the_field_and_in_a_summary_and_nothing_is_lost(client_, draft):
    data = {**ABOUT_YOU, "cpr_number": "3213901234", "postcode": "90", "action": "continue"}
    response = client_.post(step_url(draft, "about-you"), data)
    html = page(response)
    assert response.status_code == 200
    assert 'class="error-summary"' in html and 'href="#id_cpr_number"' in html and 'href="#id_postcode"' in html
    assert 'id="id_cpr_number_error"' in html
    draft.refresh_from_db()
    # What was typed is kept, the wrong parts too, so the citizen can correct them.
    assert draft.answers["full_name"] == "Amina Hansen" and draft.answers["postcode"] == "90"
    assert draft.answers["cpr_number"] == "3213901234" and draft.last_step == "about-you"


def test_back_and_save_for_later_keep_half_finished_answers(client_, draft):
    fill(draft, "about-you")
    response = client_.post(step_url(draft, "idea"), {"business_idea": "Cykelværksted", "action": "back"})
    assert response["Location"] == step_url(draft, "about-you")
    draft.refresh_from_db()
    assert draft.answers["business_idea"] == "Cykelværksted"
    assert 'value="Amina Hansen"' in page(client_.get(step_url(draft, "about-you")))
    assert "Cykelværksted" in page(client_.get(step_url(draft, "idea")))

    response = client_.post(step_url(draft, "idea"), {"business_idea": "Cykelværksted og udlejning",
                                                       "action": "save"})
    assert response["Location"] == reverse("my_page")
    draft.refresh_from_db()
    assert draft.answers["business_idea"] == "Cykelværksted og udlejning"


def test_an_expired_session_brings_the_citizen_back_to_the_same_step_with_nothing_lost(client, citizen, draft):
    fill(draft, "about-you")
    # The session has expired: the citizen is anonymous when pressing the button.
    response = client.post(step_url(draft, "idea"), {**IDEA, "action": "continue"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert step_url(draft, "idea") in response["Location"]
    draft.refresh_from_db()
    assert "business_idea" not in draft.answers  # nothing written without a login

    client.force_login(citizen)  # keeps the session, as allauth's login does
    response = client.get(step_url(draft, "idea"))
    html = page(response)
    assert response.status_code == 200
    assert "Velkommen tilbage" in html and "Systue med reparationer" in html
    draft.refresh_from_db()
    assert draft.answers["business_idea"] == "Systue med reparationer"
    # Shown once only.
    assert "Velkommen tilbage" not in page(client.get(step_url(draft, "idea")))


def test_unknown_step_is_404(client_, draft):
    assert client_.get(step_url(draft, "nope")).status_code == 404


# --- Documents -----------------------------------------------------------------------------------


def test_upload_a_business_plan_and_a_budget(client_, draft):
    response = client_.post(step_url(draft, "documents"), {
        "business_plan": SimpleUploadedFile("Min plan.pdf", pdf_bytes()),
        "budget": SimpleUploadedFile("budget.xlsx", xlsx_bytes()),
        "action": "continue",
    })
    assert response.status_code == 302 and response["Location"] == step_url(draft, "declarations")
    kinds = dict(draft.documents.values_list("kind", "original_name"))
    assert kinds == {"business_plan": "Min plan.pdf", "budget": "budget.xlsx"}
    stored = draft.documents.get(kind="business_plan").file.name
    assert "Min plan" not in stored and stored.startswith("drafts/")


def test_the_upload_confirmation_is_shown_once(client_, draft):
    response = client_.post(step_url(draft, "documents"), {
        "business_plan": SimpleUploadedFile("plan.pdf", pdf_bytes()), "action": "upload",
    }, follow=True)
    assert page(response).count("1 fil er uploadet.") == 1


def test_a_refused_file_is_explained_and_the_other_files_are_kept(client_, draft):
    response = client_.post(step_url(draft, "documents"), {
        "business_plan": SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 200),  # an .exe renamed
        "budget": SimpleUploadedFile("budget.xlsx", xlsx_bytes()),
        "action": "continue",
    })
    html = page(response)
    assert response.status_code == 200
    assert "plan.pdf" in html and "error-summary" in html and 'id="id_business_plan_error"' in html
    assert list(draft.documents.values_list("kind", flat=True)) == ["budget"]
    assert "budget.xlsx" in html  # listed as uploaded


def test_continue_without_the_required_documents_says_what_is_missing(client_, draft):
    client_.post(step_url(draft, "documents"), {"business_plan": SimpleUploadedFile("p.pdf", pdf_bytes()),
                                                "action": "upload"})
    response = client_.post(step_url(draft, "documents"), {"action": "continue"})
    assert response.status_code == 200
    assert "Upload dit budget" in page(response)


def test_too_large_file_is_stopped_while_streaming_and_the_form_survives(client_, draft, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1024
    response = client_.post(step_url(draft, "documents"), {
        "business_plan": SimpleUploadedFile("stor.pdf", pdf_bytes(b"%" + b"x" * 4096 + b"\n")),
        "cv": SimpleUploadedFile("cv.docx", docx_bytes()),
        "action": "upload",
    })
    assert response.status_code == 200
    assert "stor.pdf" in page(response) and "1,0\xa0KB" in page(response)
    assert list(draft.documents.values_list("kind", flat=True)) == ["cv"]


def test_files_in_one_application_share_a_quota(client_, draft, settings):
    add_documents(draft)
    used = sum(draft.documents.values_list("size", flat=True))
    settings.UPLOAD_MAX_APPLICATION_BYTES = used + 100
    response = client_.post(step_url(draft, "documents"), {
        "other": SimpleUploadedFile("tilbud.pdf", pdf_bytes(b"%" + b"y" * 500 + b"\n")), "action": "upload"})
    assert response.status_code == 200 and "tilbud.pdf" in page(response)
    assert draft.documents.count() == 2


def test_several_other_documents_at_once_and_remove_one(client_, draft):
    client_.post(step_url(draft, "documents"), {
        "other": [SimpleUploadedFile("a.pdf", pdf_bytes()), SimpleUploadedFile("b.pdf", pdf_bytes(b"%b\n"))],
        "action": "upload"})
    documents = list(draft.documents.filter(kind="other"))
    assert [d.original_name for d in documents] == ["a.pdf", "b.pdf"]
    storage, name = documents[0].file.storage, documents[0].file.name
    response = client_.post(step_url(draft, "documents"), {"action": f"remove:{documents[0].pk}"})
    assert response.status_code == 302
    assert list(draft.documents.values_list("original_name", flat=True)) == ["b.pdf"]
    assert not storage.exists(name)


def test_own_uploaded_file_can_be_downloaded_as_an_attachment(client_, draft):
    add_documents(draft)
    document = draft.documents.get(kind="business_plan")
    response = client_.get(reverse("application_document", args=[draft.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- Review and submit ---------------------------------------------------------------------------


def test_review_shows_the_answers_with_the_cpr_number_masked(client_, draft):
    complete(draft)
    html = page(client_.get(step_url(draft, "review")))
    assert "Amina Hansen" in html and "010190-****" in html
    assert "1234" not in html.replace("12345678", "")  # the phone number has 1234 in it
    assert "Send ansøgningen" in html


def test_review_lists_unfinished_steps_and_offers_no_send_button(client_, draft):
    fill(draft, "about-you")
    html = page(client_.get(step_url(draft, "review")))
    assert "Nogle trin er ikke færdige" in html and "Send ansøgningen" not in html


def test_submit_twice_gives_one_case_one_receipt_and_one_email(client_, draft, django_capture_on_commit_callbacks, caplog):
    complete(draft)
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        first = client_.post(reverse("application_submit", args=[draft.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        second = client_.post(reverse("application_submit", args=[draft.pk]))
    receipt_url = reverse("application_receipt", args=[draft.pk])
    assert first["Location"] == second["Location"] == receipt_url
    case = Case.objects.get(submission_key=draft.pk)
    assert Case.objects.filter(citizen=draft.citizen).count() == 1
    assert sorted(case.documents.values_list("kind", flat=True)) == ["application_receipt", "budget", "business_plan"]
    assert len(mail.outbox) == 1 and case.reference in mail.outbox[0].body
    assert "010190" not in caplog.text and "0101901234" not in mail.outbox[0].body

    html = page(client_.get(receipt_url))
    assert case.reference in html
    receipt = case.documents.get(kind=Document.Kind.APPLICATION_RECEIPT)
    assert reverse("my_page_case_document", kwargs={"pk": receipt.pk}) in html
    # Back to a step of a sent application: the receipt, not an editable form.
    assert client_.get(step_url(draft, "money"))["Location"] == receipt_url


def test_submit_of_an_incomplete_application_goes_to_the_missing_step(client_, draft):
    fill(draft)
    response = client_.post(reverse("application_submit", args=[draft.pk]))
    assert response["Location"] == step_url(draft, "documents")
    assert not Case.objects.filter(submission_key=draft.pk).exists()


def test_submit_is_post_only(client_, draft):
    assert client_.get(reverse("application_submit", args=[draft.pk])).status_code == 405


# --- Who may see what --------------------------------------------------------------------------


@pytest.fixture
def submitted(draft, django_capture_on_commit_callbacks, client_):
    complete(draft)
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(reverse("application_submit", args=[draft.pk]))
    client_.logout()
    draft.refresh_from_db()
    return draft


def _urls(draft):
    document = DraftDocument.objects.filter(draft=draft).first()
    return [
        *[step_url(draft, s) for s in ("about-you", "documents", "review")],
        reverse("application_receipt", args=[draft.pk]),
        reverse("application_document", args=[draft.pk, document.pk]),
    ]


@pytest.mark.parametrize("who", ["second citizen", "other municipality's staff", "nordby caseworker"])
def test_nobody_else_sees_a_draft_or_its_files(client, draft, who, demo):
    complete(draft)
    other = {
        "second citizen": lambda: User.objects.create_user("anden", "anden@example.dk", "x"),
        "other municipality's staff": lambda: User.objects.get(email="sagsbehandler@sydby.example"),
        "nordby caseworker": lambda: User.objects.get(email="sagsbehandler@nordby.example"),
    }[who]()
    client.force_login(other)
    for url in _urls(draft):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("application_submit", args=[draft.pk])).status_code == 404
    assert client.post(step_url(draft, "idea"), {**IDEA, "action": "continue"}).status_code == 404
    draft.refresh_from_db()
    assert "business_idea" in draft.answers and draft.answers["business_idea"] == "Systue med reparationer"


def test_anonymous_visitors_get_the_same_answer_whether_a_draft_exists_or_not(client, submitted):
    import uuid

    missing = uuid.uuid4()
    for slug in ("about-you", "review"):
        real = client.get(step_url(submitted, slug))
        fake = client.get(reverse("application_step", args=[missing, slug]))
        assert real.status_code == fake.status_code == 302  # to the login page, nothing else
    document = DraftDocument.objects.filter(draft=submitted).first()
    assert client.get(reverse("application_receipt", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("application_document", args=[submitted.pk, document.pk])).status_code == 404
    assert client.post(reverse("application_submit", args=[submitted.pk])).status_code == 404


def test_a_draft_is_only_reachable_on_its_own_municipalitys_site(client_, draft):
    complete(draft)
    # Sydby's site is served on localhost:8000 in the demo.
    response = client_.get(step_url(draft, "about-you"), HTTP_HOST="localhost:8000")
    assert response.status_code == 404


def test_review_query_count_does_not_grow_with_documents(client_, draft, django_assert_max_num_queries):
    complete(draft)
    with django_assert_max_num_queries(30) as few:
        client_.get(step_url(draft, "review"))
    for n in range(8):
        DraftDocument.objects.create(draft=draft, kind="other", file=f"drafts/x/{n}", original_name=f"{n}.pdf",
                                     content_type="application/pdf", size=10, sha256="0", scan_status="not_scanned")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_.get(step_url(draft, "review"))


def test_error_reports_never_show_the_cpr_number(client_, draft, rf):
    from django.views.debug import SafeExceptionReporterFilter

    from portal import application_views

    request = rf.post(step_url(draft, "about-you"), {**ABOUT_YOU})
    request.user = draft.citizen
    try:
        application_views.step(request, draft_id=draft.pk, step="nope")
    except Exception:  # noqa: BLE001 - only the marking matters here
        pass
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["cpr_number"] != ABOUT_YOU["cpr_number"] and cleaned["full_name"] == "Amina Hansen"
