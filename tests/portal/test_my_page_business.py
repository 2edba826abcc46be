"""My page for the business set-up and the monthly report: the citizen
registers the business and the account with the bank's confirmation on
their own case (anybody else gets 404), a refused file keeps what was
typed, and the monthly report is given and corrected."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Business, BusinessAccount, Case, Document, SelfReport
from backoffice.services.cases import ApplicationSubmission, submit_application

from ..files import pdf_bytes

User = get_user_model()
S = Case.Status
CVR = "10150817"
ANSWERS = {"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example",
           "business_idea": "Cykelværksted i Nordby"}

pytestmark = pytest.mark.usefixtures("danish_without_scanner")


def open_case(municipality, citizen, status=S.LOAN_GRANTED):
    case, _ = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=municipality, citizen=citizen, answers=dict(ANSWERS)))
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


@pytest.fixture
def client_(client, citizen):
    client.force_login(citizen)
    return client


def urls(case):
    return [reverse(name, kwargs={"reference": case.reference})
            for name in ("my_page_business", "my_page_business_account", "my_page_self_report")]


def page(response):
    return response.content.decode()


BUSINESS = {"name": "Bos Cykler", "cvr_number": CVR, "industry": "Cykelreparation",
            "started_on": "2026-06-01"}
ACCOUNT = {"bank_name": "Nordby Sparekasse", "requested_on": "2026-05-01", "opened_on": "2026-05-20",
           "registration_number": "9070", "account_number": "1234567890", "fees_paid": "1.500,50"}


def test_the_citizen_registers_the_business_and_the_account_with_proof(client_, case):
    business_url, account_url, _ = urls(case)
    assert client_.get(reverse("my_page_case", kwargs={"reference": case.reference})).content.decode().count(
        business_url) == 1
    assert 'name="cvr_number"' in page(client_.get(business_url))

    response = client_.post(business_url, BUSINESS)
    assert response.status_code == 302 and response["Location"] == business_url
    business = Business.objects.get(case=case)
    assert business.cvr_number == CVR and business.started_on == dt.date(2026, 6, 1)
    case.refresh_from_db()
    assert case.status == S.BUSINESS_SETUP

    proof = SimpleUploadedFile("bank.pdf", pdf_bytes(), content_type="application/pdf")
    response = client_.post(account_url, {**ACCOUNT, "proof": proof})
    assert response.status_code == 302
    account = BusinessAccount.objects.get(business=business)
    assert account.fees_paid_ore == 150050 and account.opened_on == dt.date(2026, 5, 20)
    assert account.proof.kind == Document.Kind.BANK_CONFIRMATION and account.proof.original_name == "bank.pdf"
    html = page(client_.get(business_url))
    assert reverse("my_page_case_document", kwargs={"pk": account.proof_id}) in html


def test_an_invalid_cvr_number_is_shown_next_to_the_field(client_, case):
    response = client_.post(urls(case)[0], {**BUSINESS, "cvr_number": "10150818"})
    html = page(response)
    assert response.status_code == 200 and 'id="id_cvr_number_error"' in html and "Bos Cykler" in html
    assert not Business.objects.exists()


def test_a_refused_file_keeps_the_typed_fields_and_stores_nothing(client_, case, citizen):
    client_.post(urls(case)[0], BUSINESS)
    bad = SimpleUploadedFile("bank.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_.post(urls(case)[1], {**ACCOUNT, "proof": bad})
    html = page(response)
    assert response.status_code == 200
    assert 'id="id_proof_error"' in html and "alert--warning" in html
    for typed in ("Nordby Sparekasse", "1234567890", "9070", "2026-05-20"):
        assert typed in html
    assert not BusinessAccount.objects.exists()
    assert not Document.objects.filter(case=case, kind=Document.Kind.BANK_CONFIRMATION).exists()


def test_the_account_form_checks_csrf(case, citizen):
    Business.objects.create(case=case, name="Bos Cykler")
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.post(urls(case)[1], ACCOUNT).status_code == 403
    assert not BusinessAccount.objects.exists()


def test_everybody_else_gets_404_and_anonymous_visitors_too(client, case, nordby):
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example",
                                     password="x")
    client.force_login(other)
    for url in urls(case):
        assert client.get(url).status_code == 404
        assert client.post(url, BUSINESS).status_code == 404
    client.logout()
    for url in urls(case):
        assert client.get(url).status_code == 404
    assert not Business.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_from_my_page(client, demo):
    response = client.get(reverse("my_page"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_before_the_loan_the_page_has_no_forms(client_, nordby, citizen):
    case = open_case(nordby, citizen, status=S.IN_COURSE)
    html = page(client_.get(urls(case)[0]))
    assert 'name="cvr_number"' not in html
    case_page = page(client_.get(reverse("my_page_case", kwargs={"reference": case.reference})))
    assert urls(case)[0] not in case_page
    client_.post(urls(case)[0], BUSINESS)
    assert not Business.objects.exists()


def test_the_monthly_report_is_given_and_corrected(client_, case):
    Case.objects.filter(pk=case.pk).update(status=S.LOAN_DISBURSED)
    Business.objects.create(case=case, name="Bos Cykler", started_on=dt.date(2026, 6, 1))
    url = urls(case)[2]
    assert 'name="revenue"' in page(client_.get(url))
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    response = client_.post(url, {"month": month, "revenue": "12.500,50", "hours": "100",
                                  "small_jobs_income": "0", "how_it_goes": "Godt"})
    assert response.status_code == 302
    report = SelfReport.objects.get(case=case)
    assert report.revenue_ore == 1250050 and report.hours_worked == 100
    client_.post(url, {"month": month, "revenue": "13000", "hours": "", "small_jobs_income": "",
                       "how_it_goes": ""})
    report.refresh_from_db()
    assert SelfReport.objects.count() == 1 and report.revenue_ore == 1300000 and report.hours_worked is None
    assert "13.000,00" in page(client_.get(url))


def test_a_report_for_a_month_not_begun_is_refused(client_, case):
    Case.objects.filter(pk=case.pk).update(status=S.LOAN_DISBURSED)
    Business.objects.create(case=case, name="Bos Cykler", started_on=dt.date(2026, 1, 1))
    next_month = (timezone.localdate().replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")
    response = client_.post(urls(case)[2], {"month": next_month, "revenue": "100"})
    assert response.status_code == 200 and 'id="id_month_error"' in page(response)
    assert not SelfReport.objects.exists()
