"""The citizen's complaint on My page: the link from the decision, the
form with text and files, a double submit that stores one complaint, a
refused file that keeps the text, the status afterwards; nobody else gets
in (404)."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice.models import Appeal, Case
from backoffice.services import appeals
from tests.backoffice.test_appeals import refused
from tests.backoffice.test_decisions import open_case
from tests.files import pdf_bytes

User = get_user_model()
SYDBY_HOST = "localhost:8000"
COMPLAINT = "Jeg er uenig i afgørelsen, fordi jeg har kunder nok."

pytestmark = pytest.mark.usefixtures("danish_without_scanner")


@pytest.fixture
def caseworker(demo):
    return User.objects.get(email="sagsbehandler@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


@pytest.fixture
def decision(case, caseworker):
    return refused(case, caseworker)


def url(case, decision):
    return reverse("my_page_appeal", kwargs={"reference": case.reference, "pk": decision.pk})


def case_url(case):
    return reverse("my_page_case", kwargs={"reference": case.reference})


def test_case_page_links_to_the_complaint_form(client, citizen, case, decision):
    client.force_login(citizen)
    page = client.get(case_url(case)).content.decode()
    assert f'id="appeal-link-{decision.pk}"' in page and url(case, decision) in page


def test_citizen_complains_with_a_file_and_sees_the_status(client, citizen, case, decision):
    client.force_login(citizen)
    form = client.get(url(case, decision))
    assert form.status_code == 200
    key = form.context["form"].initial["submission_key"]
    data = {"text": COMPLAINT, "submission_key": str(key),
            "files": SimpleUploadedFile("kunder.pdf", pdf_bytes(), content_type="application/pdf")}

    response = client.post(url(case, decision), data)

    assert response.status_code == 302 and response["Location"] == case_url(case) + f"#appeal-{decision.pk}"
    appeal = Appeal.objects.get(decision=decision)
    assert appeal.text == COMPLAINT and appeal.documents.count() == 1 and appeal.channel == "my_page"
    page = client.get(case_url(case)).content.decode()
    assert f'id="appeal-{decision.pk}"' in page and 'data-appeal-status="lodged"' in page
    status = client.get(url(case, decision)).content.decode()
    assert 'data-status="lodged"' in status and "<form" not in status.split('id="appeal-status"')[1]


def test_double_submit_stores_one_complaint(client, citizen, case, decision):
    client.force_login(citizen)
    data = {"text": COMPLAINT, "submission_key": str(uuid.uuid4())}
    first = client.post(url(case, decision), data)
    second = client.post(url(case, decision), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Appeal.objects.filter(decision=decision).count() == 1


def test_a_refused_file_keeps_the_text(client, citizen, case, decision):
    client.force_login(citizen)
    data = {"text": COMPLAINT, "submission_key": str(uuid.uuid4()),
            "files": SimpleUploadedFile("kunder.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")}
    response = client.post(url(case, decision), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert COMPLAINT in body and data["submission_key"] in body
    assert not Appeal.objects.filter(decision=decision).exists()


def test_empty_complaint_is_refused(client, citizen, case, decision):
    client.force_login(citizen)
    response = client.post(url(case, decision), {"text": " ", "submission_key": str(uuid.uuid4())})
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_nobody_else_gets_in(client, citizen, case, decision):
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example", password="x")
    client.force_login(other)
    data = {"text": COMPLAINT, "submission_key": str(uuid.uuid4())}
    assert client.get(url(case, decision)).status_code == 404
    assert client.post(url(case, decision), data).status_code == 404
    client.force_login(citizen)
    assert client.get(url(case, decision), HTTP_HOST=SYDBY_HOST).status_code == 404
    client.logout()
    assert client.get(url(case, decision)).status_code == 404
    assert not Appeal.objects.exists()


def test_a_decision_that_fully_grants_cannot_be_appealed(client, citizen, case, caseworker):
    from backoffice.services import decisions

    admitted = decisions.finalise_decision(
        decisions.draft_decision(case, caseworker, "admit_to_course"), caseworker,
        expected_version=Case.objects.get(pk=case.pk).version)
    client.force_login(citizen)
    assert client.get(url(case, admitted)).status_code == 404


def test_staff_of_another_municipality_get_404_on_the_staff_actions(client, case, decision, citizen):
    appeal = appeals.lodge_appeal(decision, citizen, text=COMPLAINT)
    client.force_login(User.objects.get(email="sagsbehandler@sydby.example"))
    version = Case.objects.get(pk=case.pk).version
    assert client.get(reverse("backoffice:case", args=[case.pk])).status_code == 404
    for name in ("appeal_reassess", "appeal_uphold", "appeal_withdraw"):
        response = client.post(reverse(f"backoffice:{name}", args=[case.pk, appeal.pk]), {"version": version})
        assert response.status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.LODGED


def test_staff_walk_the_complaint_on_the_case_page(client, case, decision, citizen, caseworker):
    appeal = appeals.lodge_appeal(decision, citizen, text=COMPLAINT)
    client.force_login(caseworker)
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert f'id="appeal-{appeal.pk}"' in page and "data-reassessment-deadline" in page

    def post(name, **data):
        data["version"] = Case.objects.get(pk=case.pk).version
        return client.post(reverse(f"backoffice:{name}", args=[case.pk, appeal.pk]), data)

    assert post("appeal_reassess").status_code == 302
    assert post("appeal_uphold", reassessment_note="Kunderne er ikke dokumenteret.").status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD_FORWARDED and appeal.bundle_id
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    bundle_url = reverse("backoffice:document", args=[case.pk, appeal.bundle_id])
    assert f'id="appeal-bundle-{appeal.pk}"' in page and bundle_url in page
    download = client.get(bundle_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
