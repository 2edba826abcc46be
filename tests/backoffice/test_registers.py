"""CPR and CVR numbers are checked with python-stdnum (no modulus-11 for
CPR), the registers answer through one interface (local fixtures, or the
CVR register's Elasticsearch API, tried here against a real HTTP server on
127.0.0.1), a look-up is stored on submission and on the business
registration without ever failing the citizen's request, and staff see
source, date and differences on the case page, must confirm a CVR mismatch
before verifying the account, and fetch again only in their own
municipality."""

import base64
import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from stdnum.dk import cpr as stdnum_cpr
from wagtail.models import ModelLogEntry

from backoffice import registers
from backoffice.models import AccessLogEntry, Business, Case, CompanyLookup, LookupOutcome, PersonLookup
from backoffice.registers import CompanyRecord, RegisterUnavailable
from backoffice.registers.local import fixtures
from backoffice.services import business as business_services
from backoffice.services import registers as services
from backoffice.uploads import validate_upload
from backoffice.validators import cpr_birth_date, cvr_is_valid, validate_cpr, validate_cvr
from portal.demo.history import STORIES, cvr_for
from portal.management.commands.seed_demo_cases import APPLICANTS

from ..files import pdf_bytes
from .staff_cases import open_case, staff

S = Case.Status
DEMO_CPR = "120388-1234"  # Amina Hansen in the fixtures, Torvet 3, 9000 Nordby
DEMO_CVR = "31002222"  # "Aminas Systue", NORMAL
CLOSED_CVR = "31001854"  # "Nordby Cykler ApS", OPHØRT


@pytest.fixture(autouse=True)
def no_scanner(settings):
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""


# --- Validators ------------------------------------------------------------------------------------


def test_a_real_format_cpr_number_that_fails_modulus_11_is_accepted():
    # Modulus 11 was given up in 2007; numbers issued since fail it.
    assert stdnum_cpr.checksum("0101901234") != 0
    validate_cpr("010190-1234")
    validate_cpr("0101901234")
    assert cpr_birth_date("010190-1234") == dt.date(1990, 1, 1)


@pytest.mark.parametrize("value", ["0101-901234", "010190 1234", "01019012345", "0101901a34", ""])
def test_a_cpr_number_of_the_wrong_shape_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_cpr(value)
    assert error.value.code == "invalid_cpr"


# No 32nd day, no 29 February 2001, not born before 2036.
@pytest.mark.parametrize("value", ["320190-1234", "290201-4111", "010136-4000"])
def test_a_cpr_number_without_a_real_past_birth_date_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_cpr(value)
    assert error.value.code == "invalid_cpr"
    assert cpr_birth_date("290201-4111") is None


def test_the_century_follows_the_seventh_digit():
    assert cpr_birth_date("010190-4111") == dt.date(1990, 1, 1)
    assert cpr_birth_date("010120-4111") == dt.date(2020, 1, 1)
    assert cpr_birth_date("010160-5111") == dt.date(1860, 1, 1)


def test_a_cvr_number_with_a_wrong_check_digit_is_refused():
    assert cvr_is_valid("12345674")
    with pytest.raises(ValidationError) as error:
        validate_cvr("12345675")
    assert error.value.code == "invalid_cvr"
    assert not cvr_is_valid("DK12345674")  # the stored form is 8 digits


def test_the_citizen_may_type_the_cvr_number_as_printed():
    cleaned = business_services.clean_business({"name": "Aminas Systue", "cvr_number": "DK 1234 5674"})
    assert cleaned["cvr_number"] == "12345674"


# --- Local registers ------------------------------------------------------------------------------


def test_the_local_cpr_register_answers_from_the_fixtures():
    record = registers.lookup_person(DEMO_CPR)
    assert (record.name, record.address, record.postcode, record.city) == ("Amina Hansen", "Torvet 3", "9000",
                                                                            "Nordby")
    assert registers.lookup_person("1203881234") == record
    assert registers.lookup_person("010190-1234") is None


def test_the_local_cvr_register_answers_from_the_fixtures():
    record = registers.lookup_company(CLOSED_CVR)
    assert record.name == "Nordby Cykler ApS" and record.status == "OPHØRT" and not record.is_active
    assert record.started_on == dt.date(2019, 3, 1) and record.industry_code == "475200"
    assert registers.lookup_company("12345674") is None


def test_the_demos_citizens_and_businesses_are_in_the_fixtures():
    persons, companies = fixtures()["persons"], fixtures()["companies"]
    for applicant in APPLICANTS + STORIES:
        assert applicant["cpr"].replace("-", "") in persons, applicant["first"]
    for seed, first, industry in [(1, "Kasper", "tømrer"), (2, "Sofie", "café"), (3, "Omar", "transport"),
                                  (4, "Nadia", "skrædder")]:
        assert companies[cvr_for(seed)]["name"] == f"{first}s {industry}"


def test_an_unknown_or_unbuilt_provider_stops_with_what_is_missing(settings):
    settings.CVR_REGISTER = "nope"
    with pytest.raises(ImproperlyConfigured, match="CVR_REGISTER"):
        registers.lookup_company(DEMO_CVR)
    settings.CPR_REGISTER = "serviceplatformen"
    with pytest.raises(ImproperlyConfigured, match="SERVICEPLATFORMEN_CERT_PATH"):
        registers.lookup_person(DEMO_CPR)
    settings.CVR_REGISTER, settings.CVR_API_USER, settings.CVR_API_PASSWORD = "virk", "", ""
    with pytest.raises(ImproperlyConfigured, match="CVR_API_USER"):
        registers.lookup_company(DEMO_CVR)


# --- The CVR register at Virk, against a local HTTP server ------------------------------------------

VIRK_COMPANY = {
    "cvrNummer": 31002222,
    "virksomhedMetadata": {
        "nyesteNavn": {"navn": "Aminas Systue"},
        "nyesteBeliggenhedsadresse": {"vejnavn": "Torvet", "husnummerFra": 3, "bogstavFra": None,
                                      "etage": "2", "sidedoer": "th", "postnummer": 9000,
                                      "postdistrikt": "Nordby"},
        "stiftelsesDato": "2026-03-01",
        "sammensatStatus": "NORMAL",
        "nyesteHovedbranche": {"branchekode": "952900", "branchetekst": "Reparation af husholdningsartikler"},
    },
}


def virk_answer(*companies):
    return {"took": 3, "hits": {"total": len(companies), "hits": [
        {"_index": "cvr-permanent", "_source": {"Vrvirksomhed": company}} for company in companies]}}


class FakeVirk(BaseHTTPRequestHandler):
    """The distribution API's shape: POST /cvr-permanent/virksomhed/_search."""

    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                "body": json.loads(body)})
        if server.delay:
            time.sleep(server.delay)
        payload = json.dumps(server.answer).encode()
        try:
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (the time-out test)
            pass

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def virk(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeVirk)
    server.received, server.status, server.answer, server.delay = [], 200, virk_answer(VIRK_COMPANY), 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CVR_REGISTER = "virk"
    settings.CVR_API_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    settings.CVR_API_USER, settings.CVR_API_PASSWORD = "kommune", "hemmelig"
    settings.CVR_API_TIMEOUT = 2
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_virk_is_asked_with_basic_auth_and_the_number_in_the_body(virk):
    record = registers.lookup_company(DEMO_CVR)
    assert record == CompanyRecord(
        cvr_number=DEMO_CVR, name="Aminas Systue", address="Torvet 3, 2, th", postcode="9000", city="Nordby",
        started_on=dt.date(2026, 3, 1), status="NORMAL", industry_code="952900",
        industry_text="Reparation af husholdningsartikler")
    [request] = virk.received
    assert request["path"] == "/cvr-permanent/virksomhed/_search"  # the number is not in the URL
    assert request["auth"] == "Basic " + base64.b64encode(b"kommune:hemmelig").decode()
    assert request["body"]["query"] == {"term": {"Vrvirksomhed.cvrNummer": 31002222}}


def test_virk_without_hits_is_not_found(virk):
    virk.answer = virk_answer()
    assert registers.lookup_company(DEMO_CVR) is None


@pytest.mark.parametrize("status, answer", [(500, {"error": "boom"}), (401, {}), (200, {"unexpected": 1})])
def test_a_virk_error_is_register_unavailable(virk, status, answer):
    virk.status, virk.answer = status, answer
    with pytest.raises(RegisterUnavailable) as error:
        registers.lookup_company(DEMO_CVR)
    assert DEMO_CVR not in str(error.value)


def test_a_virk_time_out_is_register_unavailable(virk, settings):
    virk.delay, settings.CVR_API_TIMEOUT = 1.0, 0.2
    with pytest.raises(RegisterUnavailable, match="in time"):
        registers.lookup_company(DEMO_CVR)


# --- Stored on submission and on the business registration -----------------------------------------


@pytest.fixture
def citizen(demo):
    return staff("borger@nordby.example")


@pytest.fixture
def caseworker(demo):
    return staff("sagsbehandler@nordby.example")


@pytest.fixture
def coordinator(demo):
    return staff("koordinator@nordby.example")


def audit(case, action):
    return ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk), action=action)


def submitted(nordby, citizen, django_capture_on_commit_callbacks, **answers):
    with django_capture_on_commit_callbacks(execute=True):
        return open_case(nordby, citizen, cpr_number=DEMO_CPR, **answers)


def test_the_person_is_looked_up_when_the_application_is_submitted(nordby, citizen,
                                                                   django_capture_on_commit_callbacks):
    case = submitted(nordby, citizen, django_capture_on_commit_callbacks)
    lookup = case.application.__class__.objects.get(case=case).cpr_lookup
    assert lookup.outcome == LookupOutcome.FOUND and lookup.name == "Amina Hansen"
    assert lookup.source == "cpr_local" and lookup.fetched_by is None
    assert AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.REGISTER_LOOKUP,
                                         user=None).count() == 1
    [entry] = audit(case, services.PERSON_LOOKED_UP_ACTION)
    assert entry.data["outcome"] == "found" and entry.data["automatic"] is True
    dumped = json.dumps(entry.data, ensure_ascii=False)
    assert "1203881234" not in dumped and DEMO_CPR not in dumped and "Torvet" not in dumped


def test_a_register_failure_never_blocks_the_submission(nordby, citizen, settings,
                                                        django_capture_on_commit_callbacks):
    settings.CPR_REGISTER = "serviceplatformen"  # refuses to start: ImproperlyConfigured inside the task
    case = submitted(nordby, citizen, django_capture_on_commit_callbacks)
    assert Case.objects.filter(pk=case.pk, status=S.SUBMITTED).exists()
    assert not PersonLookup.objects.filter(case=case).exists()


def test_a_number_not_in_the_register_is_stored_as_not_found(nordby, citizen,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(nordby, citizen)  # 010190-1234: not in the fixtures
    assert PersonLookup.objects.get(case=case).outcome == LookupOutcome.NOT_FOUND


def granted_case(nordby, citizen):
    case = open_case(nordby, citizen, cpr_number=DEMO_CPR)
    Case.objects.filter(pk=case.pk).update(status=S.LOAN_GRANTED)
    case.refresh_from_db()
    return case


def register(case, citizen, capture, name="Aminas Systue", cvr=DEMO_CVR):
    with capture(execute=True):
        return business_services.register_business(
            case, citizen, {"name": name, "cvr_number": cvr, "industry": "Systue"})


def test_the_business_is_looked_up_when_the_citizen_registers_the_cvr_number(
        nordby, citizen, django_capture_on_commit_callbacks):
    case = granted_case(nordby, citizen)
    business = register(case, citizen, django_capture_on_commit_callbacks)
    business.refresh_from_db()
    lookup = business.cvr_lookup
    assert (lookup.outcome, lookup.cvr_number, lookup.status) == (LookupOutcome.FOUND, DEMO_CVR, "NORMAL")
    assert business_services.section(Case.objects.select_related(
        "business__cvr_lookup").get(pk=case.pk))["register"].warnings == ()
    # Saving the same again asks nobody; a new number asks again.
    register(case, citizen, django_capture_on_commit_callbacks)
    assert CompanyLookup.objects.filter(case=case).count() == 1
    register(case, citizen, django_capture_on_commit_callbacks, cvr=CLOSED_CVR)
    assert CompanyLookup.objects.filter(case=case).count() == 2
    assert audit(case, services.COMPANY_LOOKED_UP_ACTION).count() == 2


def test_a_cvr_register_that_is_down_is_stored_and_the_business_saved(
        nordby, citizen, virk, django_capture_on_commit_callbacks):
    virk.status = 503
    case = granted_case(nordby, citizen)
    register(case, citizen, django_capture_on_commit_callbacks)
    business = Business.objects.select_related("cvr_lookup").get(case=case)
    assert business.cvr_lookup.outcome == LookupOutcome.UNAVAILABLE
    assert business.cvr_lookup.source == "cvr_virk"


# --- The case page, the verification, fetching again -----------------------------------------------


def case_page(case):
    return reverse("backoffice:case", args=[case.pk])


def test_the_case_page_shows_source_date_and_what_differs(client, nordby, citizen, caseworker,
                                                          django_capture_on_commit_callbacks):
    case = submitted(nordby, citizen, django_capture_on_commit_callbacks, address="Havnegade 1",
                     postcode="9000", city="Nordby")
    lookup = PersonLookup.objects.get(case=case)
    client.force_login(caseworker)
    html = client.get(case_page(case)).content.decode()
    fetched = timezone.localtime(lookup.fetched_at)
    assert 'data-register-source="cpr_local"' in html and str(lookup.get_source_display()) in html
    assert f"{fetched.day}. " in html and fetched.strftime("%H:%M") in html
    assert 'data-register-differs="address"' in html
    assert 'data-register-differs="name"' not in html and 'data-register-differs="city"' not in html


def test_the_case_page_costs_the_same_queries_with_register_snapshots(
        client, nordby, citizen, caseworker, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    without = open_case(nordby, citizen)
    client.force_login(caseworker)
    client.get(case_page(without))  # warm caches
    with django_assert_max_num_queries(80) as plain:
        client.get(case_page(without))
    case = granted_case(nordby, citizen)
    services.look_up_person(case)
    register(case, citizen, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(plain.captured_queries)):
        html = client.get(case_page(case)).content.decode()
    assert 'data-register-source="cvr_local"' in html


def account_ready(case, citizen):
    proof = validate_upload(SimpleUploadedFile("bekraeftelse.pdf", pdf_bytes(), "application/pdf"))
    return business_services.register_business_account(case, citizen, {
        "bank_name": "Nordby Sparekasse", "requested_on": dt.date(2026, 2, 1),
        "opened_on": dt.date(2026, 3, 1),
        "registration_number": "9070", "account_number": "1234567890"}, proof)


def test_verifying_needs_an_explicit_confirmation_when_the_cvr_register_disagrees(
        nordby, citizen, coordinator, django_capture_on_commit_callbacks):
    case = granted_case(nordby, citizen)
    register(case, citizen, django_capture_on_commit_callbacks, cvr=CLOSED_CVR)  # other name, closed
    account = account_ready(case, citizen)
    with pytest.raises(business_services.BusinessRefused):
        business_services.verify_business_account(account, coordinator, expected_version=None)
    account.refresh_from_db()
    assert not account.is_verified
    business_services.verify_business_account(account, coordinator, expected_version=None,
                                              confirmed_register_warnings=True)
    [entry] = audit(case, business_services.ACCOUNT_VERIFIED_ACTION)
    assert entry.data["register_warnings"] == ["name_differs", "not_active"]


def test_the_verify_form_shows_the_warning_and_refuses_without_the_tick(
        client, nordby, citizen, coordinator, django_capture_on_commit_callbacks):
    case = granted_case(nordby, citizen)
    register(case, citizen, django_capture_on_commit_callbacks, name="Noget andet")
    account = account_ready(case, citizen)
    case.refresh_from_db()
    client.force_login(coordinator)
    html = client.get(case_page(case)).content.decode()
    assert 'data-register-warning="name_differs"' in html and "data-register-confirmation" in html
    verify = reverse("backoffice:business_verify", args=[case.pk])
    client.post(verify, {"version": case.version})
    account.refresh_from_db()
    assert not account.is_verified
    client.post(verify, {"version": case.version, "confirm_register_warnings": "1"})
    account.refresh_from_db()
    assert account.verified_by == coordinator


def test_staff_fetch_again_and_it_is_logged(client, nordby, citizen, caseworker):
    case = open_case(nordby, citizen, cpr_number=DEMO_CPR)
    client.force_login(caseworker)
    response = client.post(reverse("backoffice:register_fetch", args=[case.pk, "person"]))
    assert response.status_code == 302 and response["Location"].endswith("#application-section")
    lookup = PersonLookup.objects.get(case=case)
    assert lookup.fetched_by == caseworker and lookup.outcome == LookupOutcome.FOUND
    assert AccessLogEntry.objects.filter(case=case, user=caseworker,
                                         action=AccessLogEntry.Action.REGISTER_LOOKUP).count() == 1
    assert audit(case, services.PERSON_LOOKED_UP_ACTION).get().user == caseworker


def test_staff_of_another_municipality_get_404_when_fetching_again(client, nordby, citizen, demo):
    case = open_case(nordby, citizen, cpr_number=DEMO_CPR)
    client.force_login(staff("sagsbehandler@sydby.example"))
    assert client.post(reverse("backoffice:register_fetch", args=[case.pk, "person"])).status_code == 404
    url = reverse("backoffice:register_fetch", args=[case.pk, "person"])
    assert client.get(url).status_code in (404, 405)
    assert not PersonLookup.objects.filter(case=case).exists()
    assert not AccessLogEntry.objects.filter(case=case, action=AccessLogEntry.Action.REGISTER_LOOKUP).exists()


def test_fetching_the_business_without_a_cvr_number_is_refused(nordby, citizen, caseworker):
    case = open_case(nordby, citizen)
    with pytest.raises(services.LookupRefused):
        services.fetch_again(case, caseworker, services.COMPANY)


# --- The business bank account: reg. no. + account no., or a Danish IBAN ----------------------------


def account_fields(**overrides):
    return {"bank_name": "Nordby Sparekasse", **overrides}


def test_a_danish_iban_is_split_into_registration_and_account_number():
    cleaned = business_services.clean_account(account_fields(account_number="DK50 0040 0440 1162 43"))
    assert (cleaned["registration_number"], cleaned["account_number"]) == ("0040", "440116243")
    cleaned = business_services.clean_account(account_fields(registration_number="0040",
                                                             account_number="DK5000400440116243"))
    assert cleaned["account_number"] == "440116243"


@pytest.mark.parametrize("overrides, field", [
    ({"account_number": "DK5100400440116243"}, "account_number"),  # wrong check digits
    ({"account_number": "DE89370400440532013000"}, "account_number"),  # valid, but not Danish
    ({"registration_number": "9070", "account_number": "DK5000400440116243"}, "registration_number"),
    ({"account_number": "12345678901"}, "account_number"),  # 11 digits
])
def test_a_wrong_iban_or_account_number_is_refused(overrides, field):
    with pytest.raises(ValidationError) as error:
        business_services.clean_account(account_fields(**overrides))
    assert field in error.value.message_dict


# --- Configuration and retention -------------------------------------------------------------------


def test_the_system_check_names_a_misconfigured_register(settings):
    from backoffice.registers.checks import registers_configured

    assert registers_configured() == []
    settings.CPR_REGISTER, settings.CVR_REGISTER, settings.CVR_API_USER = "serviceplatformen", "virk", ""
    assert [error.id for error in registers_configured()] == ["backoffice.E101", "backoffice.E102"]


def test_anonymising_the_case_deletes_what_the_registers_said(nordby, citizen,
                                                              django_capture_on_commit_callbacks):
    from backoffice.services.retention import anonymise_case

    case = granted_case(nordby, citizen)
    services.look_up_person(case)
    register(case, citizen, django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(status=S.CLOSED)
    case.refresh_from_db()
    anonymise_case(case)
    assert not PersonLookup.objects.filter(case=case).exists()
    assert not CompanyLookup.objects.filter(case=case).exists()
