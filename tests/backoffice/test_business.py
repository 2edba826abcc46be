"""The business and its bank account: the citizen registers them (only on
their own case, with a valid CVR number), the first registration moves a
granted case into business set-up, staff with the loan permission verify
the account against the bank's proof, and a change by the citizen after
that withdraws the verification. Staff see the cases still waiting for an
account, oldest first; every screen answers each role as it should."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from backoffice.models import Business, BusinessAccount, Case, CaseApplication, Document, Loan
from backoffice.services import business as services
from backoffice.services.transitions import StaleCase
from backoffice.uploads import validate_upload
from backoffice.validators import cvr_is_valid, validate_cvr

from ..files import pdf_bytes

S = Case.Status
User = get_user_model()
CVR = "10150817"  # modulus-11 valid
CPR = "010190-1234"
ACCOUNT_NUMBER = "1234567890"
REFUSED = {302, 403}
BUSINESS = {"name": "Aminas Systue", "cvr_number": CVR, "industry": "Tøjreparation",
            "started_on": dt.date(2026, 3, 1)}


def account_data(**overrides):
    return {"bank_name": "Nordby Sparekasse", "requested_on": dt.date(2026, 2, 1),
            "opened_on": dt.date(2026, 3, 15), "registration_number": "9070",
            "account_number": ACCOUNT_NUMBER, "fees_paid_ore": 150000, **overrides}


def user(email):
    return User.objects.get(email=email)


@pytest.fixture(autouse=True)
def no_scanner(settings):
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""


@pytest.fixture
def citizen(demo):
    return user("borger@nordby.example")


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


def make_case(municipality, citizen=None, status=S.LOAN_GRANTED):
    case = Case.objects.create(
        municipality=municipality, citizen=citizen, status=status, submitted_at=timezone.now(),
        reference=f"{municipality.slug[:3].upper()}-2026-{Case.objects.count() + 80001:05d}")
    CaseApplication.objects.create(case=case, full_name="Amina Hansen", cpr_number=CPR,
                                   email="amina@example.dk")
    return case


@pytest.fixture
def case(nordby, citizen):
    return make_case(nordby, citizen)


def proof(name="bekraeftelse.pdf"):
    return validate_upload(SimpleUploadedFile(name, pdf_bytes(), "application/pdf"))


def entries(case, action=None):
    qs = ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))
    return qs.filter(action=action) if action else qs


def assert_no_identifiers_in_log(case):
    dumped = json.dumps([e.data for e in entries(case)], ensure_ascii=False)
    for text in (CVR, ACCOUNT_NUMBER, "Sparekasse", "Aminas Systue", CPR):
        assert text not in dumped


def registered(case, citizen, with_proof=True):
    services.register_business(case, citizen, BUSINESS)
    return services.register_business_account(case, citizen, account_data(),
                                              proof() if with_proof else None)


# --- CVR -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, valid", [
    (CVR, True), ("10150818", False), ("1015081", False), ("101508170", False), ("1015081a", False),
    ("01234567", False), ("", False),
])
def test_cvr_numbers_have_8_digits_and_pass_the_modulus_11_check(value, valid):
    assert cvr_is_valid(value) is valid
    if not valid:
        with pytest.raises(ValidationError):
            validate_cvr(value)


def test_an_invalid_cvr_number_is_refused_and_nothing_is_saved(case, citizen):
    with pytest.raises(ValidationError) as error:
        services.register_business(case, citizen, {**BUSINESS, "cvr_number": "10150818"})
    assert "cvr_number" in error.value.message_dict
    assert not Business.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.status == S.LOAN_GRANTED


# --- Registering ----------------------------------------------------------------------------------


def test_the_first_registration_starts_the_business_set_up_audits_and_tells_staff(
        case, citizen, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        business = services.register_business(case, citizen, {**BUSINESS, "cvr_number": "1015 0817"})
    business.refresh_from_db()
    assert (business.name, business.cvr_number, business.started_on) == ("Aminas Systue", CVR,
                                                                         dt.date(2026, 3, 1))
    case.refresh_from_db()
    assert case.status == S.BUSINESS_SETUP
    status = entries(case, "backoffice.case.status_changed").get()
    assert status.user == citizen and status.data["to"] == "business_setup"
    logged = entries(case, services.BUSINESS_REGISTERED_ACTION).get()
    assert logged.user == citizen and logged.data["created"] is True
    assert [e.subject for e in mail.outbox] == [
        f"Borgeren har registreret oplysninger om virksomheden – {case.reference}"]
    assert CVR not in mail.outbox[0].body
    assert_no_identifiers_in_log(case)


def test_only_the_cases_own_citizen_registers(case, nordby, coordinator):
    other = User.objects.create_user(username="anden", email="anden@nordby.example", password="x")
    for somebody in (other, coordinator):
        with pytest.raises(PermissionDenied):
            services.register_business(case, somebody, BUSINESS)
    services.register_business(case, case.citizen, BUSINESS)
    with pytest.raises(PermissionDenied):
        services.register_business_account(case, other, account_data(), proof())
    assert not BusinessAccount.objects.exists()
    assert not Document.objects.filter(case=case).exists()


@pytest.mark.parametrize("status", [S.COURSE_COMPLETED, S.LOAN_DECLINED, S.CLOSED])
def test_registering_outside_the_set_up_is_refused(nordby, citizen, status):
    case = make_case(nordby, citizen, status=status)
    with pytest.raises(services.BusinessRefused):
        services.register_business(case, citizen, BUSINESS)


def test_after_the_payout_the_business_can_be_completed_but_not_the_account(nordby, citizen):
    case = make_case(nordby, citizen, status=S.LOAN_DISBURSED)
    services.register_business(case, citizen, {**BUSINESS, "started_on": None})
    business = services.register_business(case, citizen, BUSINESS)
    assert business.started_on == dt.date(2026, 3, 1)
    case.refresh_from_db()
    assert case.status == S.LOAN_DISBURSED
    with pytest.raises(services.BusinessRefused):
        services.register_business_account(case, citizen, account_data())


def test_the_account_needs_the_business_first(case, citizen):
    with pytest.raises(services.BusinessRefused):
        services.register_business_account(case, citizen, account_data())


def test_the_account_with_proof_is_stored_in_ore_with_the_banks_confirmation(case, citizen):
    account = registered(case, citizen)
    account.refresh_from_db()
    assert account.fees_paid_ore == 150000 and account.days_to_open == 42
    assert account.proof.kind == Document.Kind.BANK_CONFIRMATION and account.proof.visible_to_citizen
    assert account.proof.case == case and not account.is_verified
    logged = entries(case, services.ACCOUNT_REGISTERED_ACTION).get()
    assert logged.data["proof"] == account.proof.pk and logged.data["opened_on"] == "2026-03-15"
    assert_no_identifiers_in_log(case)


@pytest.mark.parametrize("overrides, field", [
    ({"bank_name": " "}, "bank_name"),
    ({"opened_on": dt.date(2026, 1, 1)}, "opened_on"),
    ({"registration_number": "907"}, "registration_number"),
    ({"account_number": "12345678901"}, "account_number"),
    ({"account_number": ""}, "account_number"),
    ({"requested_on": timezone.localdate() + dt.timedelta(days=1), "opened_on": None}, "requested_on"),
    ({"fees_paid_ore": -1}, "fees_paid_ore"),
])
def test_the_account_fields_are_checked(case, citizen, overrides, field):
    services.register_business(case, citizen, BUSINESS)
    with pytest.raises(ValidationError) as error:
        services.register_business_account(case, citizen, account_data(**overrides))
    assert field in error.value.message_dict


def test_an_account_asked_for_but_not_yet_opened_needs_no_numbers(case, citizen):
    services.register_business(case, citizen, BUSINESS)
    account = services.register_business_account(
        case, citizen, account_data(opened_on=None, registration_number="", account_number=""))
    assert account.opened_on is None and account.requested_on == dt.date(2026, 2, 1)


# --- Verifying ------------------------------------------------------------------------------------


def test_staff_with_the_loan_permission_verify_against_the_proof(case, citizen, coordinator):
    account = registered(case, citizen)
    case.refresh_from_db()
    services.verify_business_account(account, coordinator, expected_version=case.version)
    account.refresh_from_db()
    assert account.is_verified and account.verified_by == coordinator and account.verified_at is not None
    logged = entries(case, services.ACCOUNT_VERIFIED_ACTION).get()
    assert logged.user == coordinator and logged.data["proof"] == account.proof_id
    with pytest.raises(services.BusinessRefused):
        services.verify_business_account(account, coordinator, expected_version=None)


def test_verification_needs_proof_and_the_numbers(case, citizen, coordinator):
    services.register_business(case, citizen, BUSINESS)
    account = services.register_business_account(case, citizen, account_data())
    with pytest.raises(services.BusinessRefused):
        services.verify_business_account(account, coordinator, expected_version=None)
    account = services.register_business_account(
        case, citizen, account_data(opened_on=None, registration_number="", account_number=""), proof())
    with pytest.raises(services.BusinessRefused):
        services.verify_business_account(account, coordinator, expected_version=None)
    account.refresh_from_db()
    assert not account.is_verified


def test_an_infected_proof_is_no_proof(case, citizen, coordinator):
    account = registered(case, citizen)
    Document.objects.filter(pk=account.proof_id).update(scan_status=Document.ScanStatus.INFECTED)
    with pytest.raises(services.BusinessRefused):
        services.verify_business_account(account, coordinator, expected_version=None)


def test_verification_is_refused_for_others(case, citizen, caseworker, demo):
    account = registered(case, citizen)
    for somebody in (caseworker, user("erhvervskonsulent@nordby.example"), user("koordinator@sydby.example"),
                     citizen):
        with pytest.raises(PermissionDenied):
            services.verify_business_account(account, somebody, expected_version=None)
    account.refresh_from_db()
    assert not account.is_verified


def test_verification_on_an_outdated_page_is_refused(case, citizen, coordinator):
    account = registered(case, citizen)
    with pytest.raises(StaleCase):
        services.verify_business_account(account, coordinator, expected_version=1)
    account.refresh_from_db()
    assert not account.is_verified


@pytest.mark.parametrize("change", ["account", "proof", "cvr"])
def test_a_change_by_the_citizen_after_verification_unverifies(case, citizen, coordinator, change):
    account = registered(case, citizen)
    services.verify_business_account(account, coordinator, expected_version=None)
    if change == "account":
        services.register_business_account(case, citizen, account_data(account_number="1111111111"))
    elif change == "proof":
        services.register_business_account(case, citizen, account_data(), proof("ny.pdf"))
    else:
        services.register_business(case, citizen, {**BUSINESS, "cvr_number": "10000009"})
    account.refresh_from_db()
    assert not account.is_verified and account.verified_by is None
    assert entries(case).filter(data__unverified=True).count() == 1


def test_saving_the_same_again_or_only_the_notes_keeps_the_verification(case, citizen, coordinator):
    account = registered(case, citizen)
    services.verify_business_account(account, coordinator, expected_version=None)
    services.register_business(case, citizen, BUSINESS)
    services.register_business(case, citizen, {**BUSINESS, "industry": "Syning"})
    services.register_business_account(case, citizen, account_data(notes="Banken ville se budgettet."))
    account.refresh_from_db()
    assert account.is_verified


# --- Waiting for an account -----------------------------------------------------------------------


def test_the_waiting_list_shows_unverified_set_ups_oldest_first(nordby, sydby, citizen, coordinator):
    today = timezone.localdate()
    old = make_case(nordby, citizen)
    Loan.objects.create(case=old, principal_ore=4000000, annual_interest_rate=0, grace_months=6,
                        repayment_months=36, granted_on=today - dt.timedelta(days=90), granted_by=coordinator)
    new = make_case(nordby, citizen, status=S.BUSINESS_SETUP)
    Case.objects.filter(pk=new.pk).update(status_changed_at=timezone.now() - dt.timedelta(days=10))
    done = make_case(nordby, citizen)
    account = registered(done, citizen)
    services.verify_business_account(account, coordinator, expected_version=None)
    make_case(nordby, citizen, status=S.LOAN_DISBURSED)
    make_case(sydby, None)

    waiting = services.cases_waiting_for_account(coordinator, today=today)
    assert [w.case for w in waiting] == [old, new]
    assert [w.days_waiting for w in waiting] == [90, 10]
    assert waiting[0].requested_on is None


# --- Staff screens --------------------------------------------------------------------------------

SECTION_QUERYSET = Case.objects.select_related(
    "loan", "business__bank_account__proof", "business__bank_account__verified_by")


def verify_url(case):
    return reverse("backoffice:business_verify", args=[case.pk])


def test_the_coordinator_verifies_from_the_case_page(client, case, citizen, coordinator):
    account = registered(case, citizen)
    case.refresh_from_db()
    client.force_login(coordinator)
    response = client.post(verify_url(case), {"version": case.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:case", args=[case.pk]) + "#business-section"
    account.refresh_from_db()
    assert account.verified_by == coordinator


def test_an_outdated_verify_form_verifies_nothing(client, case, citizen, coordinator):
    account = registered(case, citizen)
    client.force_login(coordinator)
    response = client.post(verify_url(case), {"version": 1}, follow=True)
    assert response.status_code == 200
    account.refresh_from_db()
    assert not account.is_verified


@pytest.mark.parametrize("email, status", [
    # Wagtail turns a 403 into a redirect to the dashboard with a message.
    ("sagsbehandler@nordby.example", REFUSED), ("erhvervskonsulent@nordby.example", REFUSED),
    ("koordinator@sydby.example", {404}), ("sagsbehandler@sydby.example", {404}),
    ("styregruppe@nordby.example", {404}), ("redaktoer@nordby.example", {404}),
])
def test_verifying_is_refused_without_the_loan_permission_or_in_another_municipality(
        client, case, citizen, email, status):
    account = registered(case, citizen)
    case.refresh_from_db()
    client.force_login(user(email))
    response = client.post(verify_url(case), {"version": case.version})
    assert response.status_code in status
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")
    account.refresh_from_db()
    assert not account.is_verified


def test_the_citizen_cannot_verify_their_own_account(client, case, citizen):
    account = registered(case, citizen)
    client.force_login(citizen)
    response = client.post(verify_url(case), {"version": 3})
    assert response.status_code in (302, 403, 404)
    account.refresh_from_db()
    assert not account.is_verified


def test_verify_is_post_only(client, case, coordinator):
    client.force_login(coordinator)
    assert client.get(verify_url(case)).status_code == 405


def test_the_waiting_list_screen_shows_the_own_municipalitys_cases(client, nordby, sydby, citizen, demo):
    mine = make_case(nordby, citizen)
    services.register_business(mine, citizen, BUSINESS)
    services.register_business_account(mine, citizen, account_data(opened_on=None, registration_number="",
                                                                    account_number=""))
    theirs = make_case(sydby, None)
    url = reverse("backoffice:business_waiting")
    client.force_login(user("sagsbehandler@nordby.example"))
    html = client.get(url).content.decode()
    assert mine.reference in html and theirs.reference not in html and "Aminas Systue" in html
    client.force_login(user("styregruppe@nordby.example"))
    assert client.get(url).status_code in REFUSED


def test_the_waiting_list_is_in_the_menu_for_case_staff(client, demo):
    client.force_login(user("erhvervskonsulent@nordby.example"))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("backoffice:business_waiting") in html


def render_section(case, viewer):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = viewer
    loaded = SECTION_QUERYSET.get(pk=case.pk)
    return render_to_string("backoffice/case/_business.html",
                            {"case": loaded, "business_section": services.section(loaded)}, request=request)


def test_the_case_section_shows_the_account_proof_and_the_verify_button_to_the_coordinator(
        case, citizen, coordinator, caseworker):
    account = registered(case, citizen)
    html = render_section(case, coordinator)
    assert "Aminas Systue" in html and CVR in html and ACCOUNT_NUMBER in html
    assert reverse("backoffice:document", args=[case.pk, account.proof_id]) in html
    assert verify_url(case) in html and "1.500,00" in html
    assert verify_url(case) not in render_section(case, caseworker)
    services.verify_business_account(account, coordinator, expected_version=None)
    html = render_section(case, coordinator)
    assert verify_url(case) not in html


def test_the_section_costs_no_queries_once_loaded(case, citizen, django_assert_num_queries):
    registered(case, citizen)
    loaded = SECTION_QUERYSET.get(pk=case.pk)
    with django_assert_num_queries(0):
        section = services.section(loaded)
    assert section["waiting"] and section["can_verify"] and section["days_waiting"] >= 0


def test_the_waiting_list_costs_the_same_queries_for_1_and_5_cases(
        client, nordby, citizen, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("backoffice:business_waiting")).status_code == 200
        return len(queries)

    client.force_login(coordinator)
    first = make_case(nordby, citizen)
    registered(first, citizen)
    one = count()
    for _ in range(4):
        registered(make_case(nordby, citizen), citizen)
    assert count() == one
