"""The citizen's side of consultation (partshøring): My page shows the open
consultation, the citizen reads the draft reasons and the deadline and
answers with text; nobody else sees it (404), an anonymous visitor is sent
to log in, and the final letter is on My page afterwards."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Case, Decision, DecisionKind
from backoffice.services import decisions as services
from backoffice.services.cases import ApplicationSubmission, submit_application

User = get_user_model()
S = Case.Status
REASON = "Forretningsplanen viser ikke, hvordan du får kunder nok til at kunne leve af virksomheden."
SYDBY_HOST = "localhost:8000"

pytestmark = pytest.mark.usefixtures("danish_without_scanner")


@pytest.fixture
def caseworker(demo):
    return User.objects.get(email="sagsbehandler@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    case, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=citizen,
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": citizen.email},
    ))
    Case.objects.filter(pk=case.pk).update(status=S.SCREENING)
    case.refresh_from_db()
    return case


@pytest.fixture
def decision(case, caseworker):
    draft = services.draft_decision(case, caseworker, DecisionKind.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    case.refresh_from_db()
    deadline = timezone.localdate() + dt.timedelta(days=14)
    return services.send_for_consultation(draft, caseworker, deadline=deadline, expected_version=case.version)


def url(case, decision):
    return reverse("my_page_consultation", kwargs={"reference": case.reference, "pk": decision.pk})


def test_case_page_links_to_the_open_consultation(client, citizen, case, decision):
    client.force_login(citizen)
    page = client.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode()
    assert url(case, decision) in page
    assert "Læs udkastet og kommentér" in page


def test_citizen_reads_the_draft_and_answers(client, citizen, case, decision,
                                             django_capture_on_commit_callbacks):
    client.force_login(citizen)
    page = client.get(url(case, decision))
    assert page.status_code == 200
    body = page.content.decode()
    assert "leve af virksomheden" in body
    assert decision.consultation_deadline.strftime("%Y") in body
    assert reverse("my_page_case_document", kwargs={"pk": decision.letter_id}) in body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(case, decision), {"comments": "Jeg har tre faste kunder."})
    assert response.status_code == 302
    assert response["Location"] == reverse("my_page_case", kwargs={"reference": case.reference})
    decision.refresh_from_db()
    assert decision.consultation_reply == "Jeg har tre faste kunder."
    assert len(mail.outbox) == 1 and "tre faste kunder" not in mail.outbox[0].body  # staff told, no content

    page = client.get(url(case, decision)).content.decode()
    assert "Jeg har tre faste kunder." in page and "<textarea" not in page
    response = client.post(url(case, decision), {"comments": "En gang til."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.consultation_reply == "Jeg har tre faste kunder."


def test_empty_answer_is_a_form_error(client, citizen, case, decision):
    client.force_login(citizen)
    response = client.post(url(case, decision), {"comments": "   "})
    assert response.status_code == 400
    assert "Skriv dine bemærkninger, før du sender dem." in response.content.decode()
    decision.refresh_from_db()
    assert decision.consultation_replied_at is None


def test_another_citizen_gets_404(client, case, decision):
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                     password="x")
    client.force_login(other)
    assert client.get(url(case, decision)).status_code == 404
    assert client.post(url(case, decision), {"comments": "Hej"}).status_code == 404
    decision.refresh_from_db()
    assert decision.consultation_replied_at is None


def test_staff_get_404_on_my_page(client, caseworker, case, decision):
    client.force_login(caseworker)
    assert client.get(url(case, decision)).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, case, decision):
    response = client.get(url(case, decision))
    assert response.status_code == 302 and "login" in response["Location"]


def test_own_case_on_another_municipalitys_site_is_404(client, citizen, case, decision):
    client.force_login(citizen)
    assert client.get(url(case, decision), HTTP_HOST=SYDBY_HOST).status_code == 404


def test_a_draft_not_sent_is_404(client, citizen, case, caseworker):
    draft = services.draft_decision(case, caseworker, DecisionKind.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    client.force_login(citizen)
    assert client.get(url(case, draft)).status_code == 404


def test_late_answer_is_accepted_with_a_warning(client, citizen, case, decision):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Decision.objects.filter(pk=decision.pk).update(consultation_deadline=yesterday)
    client.force_login(citizen)
    page = client.get(url(case, decision)).content.decode()
    assert "Fristen var" in page
    assert client.post(url(case, decision), {"comments": "Undskyld, jeg var syg."}).status_code == 302
    decision.refresh_from_db()
    assert services.reply_is_late(decision)


def test_final_letter_is_on_my_page(client, citizen, case, decision, caseworker):
    services.record_consultation_reply(decision, citizen, "Jeg er uenig.")
    case.refresh_from_db()
    services.finalise_decision(decision, caseworker, expected_version=case.version)
    decision.refresh_from_db()

    client.force_login(citizen)
    page = client.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode()
    letter_url = reverse("my_page_case_document", kwargs={"pk": decision.letter_id})
    assert letter_url in page
    assert "Du er ikke optaget på forløbet" in page
    response = client.get(letter_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"

    page = client.get(url(case, decision)).content.decode()
    assert "Vi har truffet afgørelsen" in page and "<textarea" not in page
