"""The loan screens for staff: every URL answers each role as the permission
matrix says (own municipality with the permission: allowed; own
municipality without it: refused; other municipality: 404; citizens and
visitors: not in the admin), the whole path works through the forms, the
loan section shows the right buttons (no approve button for the requester
or the granter), and the CSV upload page imports once and names bad lines."""

import datetime as dt

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from backoffice import selectors_loans
from backoffice.models import Case, DecisionKind, Disbursement, LedgerEntry, Loan
from backoffice.services import loans

from .test_loans import (
    TODAY, business_account, csv_for, final_decision, granted_case, make_case, make_staff, user,
)

S = Case.Status
K = LedgerEntry.Kind

ALLOWED = ["koordinator@nordby.example"]
# A role without the permission at all is refused whatever the case (as elsewhere in the backoffice).
FORBIDDEN = ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example", "styregruppe@nordby.example",
             "redaktoer@nordby.example", "sagsbehandler@sydby.example"]
HIDDEN = ["koordinator@sydby.example"]


def outcome(response):
    """Wagtail answers PermissionDenied in the admin with a redirect home."""
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return "denied"
    return response.status_code


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def second(nordby):
    return make_staff(nordby, name="anden")


@pytest.fixture
def third(nordby):
    return make_staff(nordby, name="tredje")


@pytest.fixture
def serviced(nordby, second, third):
    """A loan granted by ``second``, paid out in part, with one repayment and
    one pending payout request by ``third``: every form has something to act on."""
    case, loan = granted_case(nordby, second, status=S.BUSINESS_SETUP, verified_by=second)
    first = loans.request_disbursement(loan, third, amount_ore=1_000_000)
    loans.approve_disbursement(first, user("koordinator@nordby.example"), paid_on=TODAY)
    payment = loans.record_payment(loan, third, amount_ore=10_000, booked_on=TODAY)
    pending = loans.request_disbursement(loan, third, amount_ore=500_000)
    final_decision(case, second, DecisionKind.WRITE_OFF_LOAN)
    case.refresh_from_db()
    return case, loan, pending, payment


def post_for(name, case, loan, pending, payment):
    """URL and valid data for each loan view."""
    version = {"version": case.version}
    decision = case.decisions.filter(kind=DecisionKind.WRITE_OFF_LOAN).first()
    return {
        "loan_disbursement_request": (reverse("backoffice:loan_disbursement_request", args=[case.pk]),
                                      {**version, "amount": "1.000,00"}),
        "loan_disbursement_approve": (
            reverse("backoffice:loan_disbursement_approve", args=[case.pk, pending.pk]),
            {**version, "paid_on": TODAY.isoformat()}),
        "loan_disbursement_cancel": (
            reverse("backoffice:loan_disbursement_cancel", args=[case.pk, pending.pk]), version),
        "loan_payment": (reverse("backoffice:loan_payment", args=[case.pk]),
                         {**version, "amount": "250,00", "booked_on": TODAY.isoformat()}),
        "loan_write_off": (reverse("backoffice:loan_write_off", args=[case.pk]),
                           {**version, "amount": "100", "reason": "Eftergivelse", "decision": decision.pk}),
        "loan_correct": (reverse("backoffice:loan_correct", args=[case.pk, payment.pk]),
                         {**version, "reason": "Forkert beløb"}),
    }[name]


def ledger_state(loan):
    return (LedgerEntry.objects.filter(loan=loan).count(), Disbursement.objects.filter(loan=loan).count(),
            Disbursement.objects.filter(loan=loan, approved_at__isnull=False).count())


VIEWS = ["loan_disbursement_request", "loan_disbursement_approve", "loan_disbursement_cancel", "loan_payment",
         "loan_write_off", "loan_correct"]


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize(("email", "expected"), [*[(e, 302) for e in ALLOWED],
                                                 *[(e, "denied") for e in FORBIDDEN],
                                                 *[(e, 404) for e in HIDDEN]])
def test_staff_permission_matrix(client, serviced, name, email, expected):
    case, loan, pending, payment = serviced
    before = ledger_state(loan)
    client.force_login(user(email))
    url, data = post_for(name, case, loan, pending, payment)
    response = client.post(url, data)
    assert outcome(response) == expected
    if expected == 302:
        assert response["Location"] == reverse("backoffice:case", args=[case.pk]) + "#loan-section"
        assert ledger_state(loan) != before
    else:
        assert ledger_state(loan) == before
    assert client.get(url).status_code in (405, 302, 404)  # POST only; refused users never get a form


@pytest.mark.parametrize("name", VIEWS)
def test_citizens_and_visitors_do_not_get_in(client, serviced, name, demo):
    case, loan, pending, payment = serviced
    url, data = post_for(name, case, loan, pending, payment)
    before = ledger_state(loan)
    response = client.post(url, data)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(user("borger@nordby.example"))
    response = client.post(url, data)
    assert response.status_code == 302 and "/casework/" not in response["Location"]
    assert ledger_state(loan) == before


def test_grant_through_the_form(client, nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator)
    client.force_login(user("sagsbehandler@nordby.example"))
    url = reverse("backoffice:loan_grant", args=[case.pk])
    data = {"version": case.version, "amount": "45.000", "grace_months": 6, "repayment_months": 36}
    assert outcome(client.post(url, data)) == "denied"
    client.force_login(user("koordinator@sydby.example"))
    assert client.post(url, data).status_code == 404
    client.force_login(coordinator)
    response = client.post(url, {**data, "amount": "60.000"})
    assert response.status_code == 302 and not Loan.objects.filter(case=case).exists()
    response = client.post(url, data, follow=True)
    loan = Loan.objects.get(case=case)
    assert (loan.principal_ore, loan.grace_months, loan.repayment_months) == (4_500_000, 6, 36)
    assert "afdragsplanen er registreret" in response.content.decode()


def test_stale_form_is_refused_with_the_reload_message(client, serviced):
    case, loan, pending, payment = serviced
    client.force_login(user("koordinator@nordby.example"))
    response = client.post(reverse("backoffice:loan_payment", args=[case.pk]),
                           {"version": case.version - 1, "amount": "100", "booked_on": TODAY.isoformat()},
                           follow=True)
    assert "Genindlæs siden" in response.content.decode()
    assert LedgerEntry.objects.filter(loan=loan, kind=K.REPAYMENT).count() == 1


def test_the_requester_cannot_approve_through_the_form(client, serviced, third):
    case, loan, pending, payment = serviced
    client.force_login(third)
    response = client.post(reverse("backoffice:loan_disbursement_approve", args=[case.pk, pending.pk]),
                           {"version": case.version, "paid_on": TODAY.isoformat()}, follow=True)
    pending.refresh_from_db()
    assert pending.approved_at is None and "fire øjne" in response.content.decode()


def test_a_payout_of_another_case_is_not_found(client, nordby, serviced, coordinator):
    case, loan, pending, payment = serviced
    other = make_case(nordby)
    client.force_login(coordinator)
    response = client.post(reverse("backoffice:loan_disbursement_approve", args=[other.pk, pending.pk]),
                           {"version": other.version, "paid_on": TODAY.isoformat()})
    assert response.status_code == 404
    response = client.post(reverse("backoffice:loan_correct", args=[other.pk, payment.pk]),
                           {"version": other.version, "reason": "x"})
    assert response.status_code == 404


def render_section(case, viewer):
    request = RequestFactory().get("/")
    request.user = viewer
    return render_to_string("backoffice/case/_loan.html", {
        "case": case, "loan_panel": selectors_loans.loan_panel(case, viewer), "perms": PermWrapper(viewer),
        "request": request,
    }, request=request)


def test_section_shows_terms_schedule_and_buttons_by_person(serviced, second, third, coordinator):
    case, loan, pending, payment = serviced
    html = render_section(case, coordinator)
    assert 'id="loan-section"' in html
    assert "40.000,00" in html and "9.900,00" in html  # principal and balance
    assert reverse("backoffice:loan_disbursement_approve", args=[case.pk, pending.pk]) in html
    assert reverse("backoffice:loan_payment", args=[case.pk]) in html
    assert reverse("backoffice:loan_write_off", args=[case.pk]) in html
    assert "<details" in html and "Afdragsplan (48 afdrag)" in html
    for person in (second, third):  # the granter and the requester see no approve button
        approve_url = reverse("backoffice:loan_disbursement_approve", args=[case.pk, pending.pk])
        assert approve_url not in render_section(case, person)
    html = render_section(case, user("sagsbehandler@nordby.example"))
    assert "40.000,00" in html and "<form" not in html


def test_section_explains_the_verified_account_rule(nordby, coordinator):
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP)
    business_account(case)
    html = render_section(case, coordinator)
    assert "aldrig til en privat konto" in html
    assert reverse("backoffice:loan_disbursement_request", args=[case.pk]) not in html


def test_section_offers_the_grant_form_after_the_decision(nordby, coordinator):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    assert reverse("backoffice:loan_grant", args=[case.pk]) not in render_section(case, coordinator)
    final_decision(case, coordinator)
    html = render_section(case, coordinator)
    assert reverse("backoffice:loan_grant", args=[case.pk]) in html and "30000" in html.replace(".", "")


def test_section_query_count_is_constant(serviced, coordinator, django_assert_max_num_queries):
    case, loan, pending, payment = serviced
    for n in range(5):
        loans.record_payment(loan, coordinator, amount_ore=100 + n, booked_on=TODAY)
    with django_assert_max_num_queries(16):
        render_section(case, coordinator)


# --- The upload page ---------------------------------------------------------------------------------


def test_import_page_imports_once_and_reports_lines(client, serviced, coordinator):
    case, loan, pending, payment = serviced
    url = reverse("backoffice:loan_import")
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    content = csv_for(case, ("2026-03-01", "1.000,00", "FIN-9"), separator=";")
    for expected in ("1 betalinger registreret, 0 var allerede registreret",
                     "0 betalinger registreret, 1 var allerede registreret"):
        response = client.post(url, {"file": SimpleUploadedFile("b.csv", content, "text/csv")}, follow=True)
        assert expected in response.content.decode()
    assert LedgerEntry.objects.filter(loan=loan, external_reference="FIN-9").count() == 1
    bad = csv_for(case, ("2026-03-01", "abc", "FIN-10"))
    response = client.post(url, {"file": SimpleUploadedFile("b.csv", bad, "text/csv")})
    assert response.status_code == 400 and "Linje 2" in response.content.decode()
    assert not LedgerEntry.objects.filter(external_reference="FIN-10").exists()


@pytest.mark.parametrize("email", FORBIDDEN)
def test_import_page_needs_manage_loan(client, demo, email):
    client.force_login(user(email))
    assert outcome(client.get(reverse("backoffice:loan_import"))) == "denied"


def test_import_page_only_books_own_municipality(client, serviced):
    case, loan, pending, payment = serviced
    client.force_login(user("koordinator@sydby.example"))
    content = csv_for(case, ("2026-03-01", "1,00", "X"))
    response = client.post(reverse("backoffice:loan_import"),
                           {"file": SimpleUploadedFile("b.csv", content, "text/csv")})
    assert response.status_code == 400 and not LedgerEntry.objects.filter(external_reference="X").exists()


def test_dates_used_are_real(serviced):
    assert TODAY < dt.date.today() + dt.timedelta(days=1)
