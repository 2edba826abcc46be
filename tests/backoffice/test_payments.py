"""Payouts through NemKonto: the approval (four eyes, unchanged) makes a
payment order to the business's CVR (loan) or the citizen's CPR
(allowance); a loan to a CPR is refused by the service and the database;
the export file is exactly as documented; the finance system's confirmation
round-trips, twice changes nothing, and another municipality's order is
reported by line; the coordinator's screen (own municipality, manage_loan,
constant queries) and the management command."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry

from backoffice import payments
from backoffice.models import (
    AccessLogEntry, Business, BusinessAccount, Case, DecisionKind, Document, Loan, PaymentOrder,
)
from backoffice.payments.confirmations import import_confirmations
from backoffice.payments.csv_format import FileRefused
from backoffice.services import allowance as allowance_services
from backoffice.services import business as business_services
from backoffice.services import loans
from backoffice.services.payments import ORDER_CREATED_ACTION, PaymentRefused, create_order

from .test_loan_views import outcome
from .test_loans import CVR, TODAY, business_account, final_decision, make_case, make_staff, user

S = Case.Status
O = PaymentOrder.Status
CPR_DIGITS = "0101901234"  # test_loans.CPR without the dash


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def second(nordby):
    return make_staff(nordby, name="anden")


@pytest.fixture
def third(nordby):
    return make_staff(nordby, name="tredje")


def loan_case(municipality, granter, *, verified_by, amount_ore=4_000_000):
    """A case in business set-up with a granted loan (recorded directly: the
    grant's own rules are test_loans' business) and a business account."""
    case = make_case(municipality, status=S.BUSINESS_SETUP)
    decision = final_decision(case, granter)
    business_account(case, verified_by)
    loan = Loan.objects.create(case=case, principal_ore=amount_ore, annual_interest_rate=Decimal("0"),
                               grace_months=12, repayment_months=48, granted_on=TODAY - dt.timedelta(days=60),
                               granted_by=granter, decision=decision)
    loan.case = case
    return case, loan


def approve(loan, requester, approver, amount_ore=None, paid_on=TODAY):
    request = loans.request_disbursement(loan, requester, amount_ore=amount_ore or loan.principal_ore)
    return loans.approve_disbursement(request, approver, paid_on=paid_on)


@pytest.fixture
def loan_order(nordby, coordinator, second, third):
    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    disbursement = approve(loan, second, third)
    return PaymentOrder.objects.get(disbursement=disbursement)


@pytest.fixture
def allowance_order(nordby, coordinator, second, third):
    case = make_case(nordby, status=S.LOAN_GRANTED)
    final_decision(case, coordinator, DecisionKind.GRANT_ALLOWANCE)
    allowance = allowance_services.grant_allowance(case, coordinator, monthly_amount_ore=1_200_000,
                                                   starts_on=dt.date(2026, 1, 1))
    payment = allowance_services.request_allowance_payment(allowance, second, month=dt.date(2026, 1, 1),
                                                           amount_ore=1_200_000)
    allowance_services.approve_allowance_payment(payment, third, paid_on=dt.date(2026, 1, 5))
    return PaymentOrder.objects.get(allowance_payment=payment)


# --- Orders made at the approval ---------------------------------------------------------------------


def test_the_approved_payout_makes_an_order_to_the_business_cvr(loan_order, third):
    order = loan_order
    assert (order.kind, order.recipient_type, order.recipient_number) == ("loan", "cvr", CVR)
    assert order.amount_ore == 4_000_000 and order.payment_date == TODAY
    assert order.payment_text == order.case.reference and order.status == O.READY and order.batch is None
    assert order.created_by == third and order.municipality_id == order.case.municipality_id
    entry = ModelLogEntry.objects.get(content_type__model="case", object_id=str(order.case_id),
                                      action=ORDER_CREATED_ACTION)
    assert entry.data["order"] == order.pk and CVR not in str(entry.data)


def test_a_requested_payout_has_no_order_until_approved(nordby, coordinator, second):
    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    loans.request_disbursement(loan, second, amount_ore=1_000_000)
    assert not PaymentOrder.objects.filter(case=case).exists()


def test_four_eyes_are_unchanged_and_refusal_makes_no_order(nordby, coordinator, second):
    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    request = loans.request_disbursement(loan, second, amount_ore=1_000_000)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.approve_disbursement(request, second, paid_on=TODAY)
    assert refused.value.code == "four_eyes"
    assert not PaymentOrder.objects.exists()


def test_an_account_verified_without_the_cvr_nemkonto_cannot_be_paid(nordby, coordinator, second):
    """An account verified before NemKonto (no ``nemkonto_cvr``), or whose
    business changed its CVR since: no payout until staff verify again."""
    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    BusinessAccount.objects.filter(business__case=case).update(nemkonto_cvr="")
    with pytest.raises(loans.LoanRefused) as refused:
        loans.request_disbursement(loan, second, amount_ore=1_000_000)
    assert refused.value.code == "account_not_verified"


def test_the_allowance_goes_to_the_citizens_cpr(allowance_order):
    assert (allowance_order.kind, allowance_order.recipient_type) == ("allowance", "cpr")
    assert allowance_order.recipient_number == CPR_DIGITS
    assert allowance_order.amount_ore == 1_200_000 and allowance_order.payment_date == dt.date(2026, 1, 5)
    assert allowance_order.recipient_display == "CPR 010190-xxxx"


def test_the_service_refuses_a_loan_to_a_cpr_nemkonto(nordby, coordinator, second, third):
    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    request = loans.request_disbursement(loan, second, amount_ore=1_000_000)
    with pytest.raises(PaymentRefused) as refused:
        create_order(case, third, kind="loan", recipient_type="cpr", recipient_number=CPR_DIGITS,
                     amount_ore=1_000_000, payment_date=TODAY, disbursement=request)
    assert refused.value.code == "loan_to_cpr"
    with pytest.raises(PaymentRefused) as refused:
        create_order(case, third, kind="loan", recipient_type="cvr", recipient_number="29876548",
                     amount_ore=1_000_000, payment_date=TODAY, disbursement=request)
    assert refused.value.code == "no_nemkonto"  # someone else's CVR


def test_the_database_refuses_a_loan_order_to_a_cpr(loan_order):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=loan_order.pk).update(recipient_type="cpr",
                                                             recipient_number=CPR_DIGITS)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=loan_order.pk).update(recipient_number="1234567")  # not 8 digits
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO backoffice_paymentorder (municipality_id, case_id, kind, disbursement_id, "
            "recipient_type, recipient_number, amount_ore, payment_date, payment_text, status, rejection_reason, created_at) "
            "VALUES (%s, %s, 'loan', %s, 'cpr', %s, 100, %s, 'x', 'ready', '', %s)",
            [loan_order.municipality_id, loan_order.case_id, loan_order.disbursement_id, CPR_DIGITS, TODAY,
             TODAY])


def test_the_database_refuses_a_loan_order_to_another_cvr(loan_order):
    """The trigger: a valid CVR, but not the verified NemKonto of the case's business."""
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=loan_order.pk).update(recipient_number="29876548")


def test_the_database_refuses_an_allowance_to_a_cvr_or_someone_elses_cpr(allowance_order):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=allowance_order.pk).update(recipient_type="cvr", recipient_number=CVR)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=allowance_order.pk).update(recipient_number="0202902345")


def test_verification_records_the_cvr_nemkonto_and_needs_a_cvr(nordby, coordinator):
    case, loan = loan_case(nordby, coordinator, verified_by=None)
    proof = Document.objects.create(case=case, kind=Document.Kind.BANK_CONFIRMATION, original_name="bank.pdf",
                                    file=ContentFile(b"%PDF-1.4", name="bank.pdf"))
    BusinessAccount.objects.filter(business__case=case).update(proof=proof, registration_number="9070",
                                                               account_number="1234567890")
    Business.objects.filter(case=case).update(cvr_number="")
    account = BusinessAccount.objects.get(business__case=case)
    case.refresh_from_db()
    with pytest.raises(business_services.BusinessRefused):
        business_services.verify_business_account(account, coordinator, expected_version=case.version,
                                                  confirmed_register_warnings=True)
    Business.objects.filter(case=case).update(cvr_number=CVR)
    business_services.verify_business_account(account, coordinator, expected_version=case.version,
                                              confirmed_register_warnings=True)
    account.refresh_from_db()
    assert account.is_verified and account.nemkonto_cvr == CVR


# --- Export --------------------------------------------------------------------------------------------


def test_export_file_content_is_exact(loan_order, allowance_order, nordby, coordinator):
    batch = payments.export_orders(nordby, coordinator)
    loan_ref, allowance_ref = loan_order.case.reference, allowance_order.case.reference
    assert batch.content == (
        "order_id;kind;recipient_type;recipient_number;amount_dkk;payment_date;payment_text;reference\r\n"
        f"{allowance_order.pk};allowance;CPR;{CPR_DIGITS};12000,00;2026-01-05;{allowance_ref};"
        f"{allowance_ref}\r\n"
        f"{loan_order.pk};loan;CVR;{CVR};40000,00;2026-03-15;{loan_ref};{loan_ref}\r\n"
    )
    assert (batch.order_count, batch.total_ore, batch.transport) == (2, 5_200_000, "file")
    assert batch.filename.startswith("betalinger-nordby-") and batch.filename.endswith(".csv")
    assert set(PaymentOrder.objects.values_list("status", "batch")) == {(O.EXPORTED, batch.pk)}
    with pytest.raises(PaymentRefused) as refused:
        payments.export_orders(nordby, coordinator)  # nothing is sent twice
    assert refused.value.code == "nothing_ready"


def test_export_only_by_a_coordinator_of_the_municipality(loan_order, sydby):
    with pytest.raises(PermissionDenied):
        payments.export_orders(loan_order.municipality, user("koordinator@sydby.example"))
    with pytest.raises(PermissionDenied):
        payments.export_orders(loan_order.municipality, user("sagsbehandler@nordby.example"))
    assert PaymentOrder.objects.get(pk=loan_order.pk).status == O.READY


def test_a_direct_transport_is_used_from_the_setting(loan_order, nordby, coordinator, settings):
    settings.PAYMENT_TRANSPORT = "tests.backoffice.test_payments.RecordingTransport"
    RecordingTransport.sent = []
    batch = payments.export_orders(nordby, coordinator)
    assert batch.transport == "recording" and RecordingTransport.sent == [batch.pk]


class RecordingTransport:
    """A finance system's API as seen by the export: it receives the batch."""

    name = "recording"
    sent = []

    def send(self, batch):
        self.sent.append(batch.pk)


# --- Confirmation import --------------------------------------------------------------------------------


def confirmation(*lines):
    return ("order_id;status;booked_on;transaction_id;message\r\n" + "".join(f"{line}\r\n" for line in lines)
            ).encode("utf-8")


def test_confirmation_round_trip_and_twice_changes_nothing(loan_order, allowance_order, nordby, coordinator):
    payments.export_orders(nordby, coordinator)
    content = confirmation(f"{loan_order.pk};paid;2026-03-16;OPUS-1001;",
                           f"{allowance_order.pk};rejected;;;Ingen NemKonto")
    result = import_confirmations(content, nordby, coordinator)
    assert (result.confirmed, result.rejected, result.already_recorded) == (1, 1, 0)
    loan_order.refresh_from_db()
    allowance_order.refresh_from_db()
    assert (loan_order.status, loan_order.booked_on, loan_order.transaction_id) == (
        O.CONFIRMED, dt.date(2026, 3, 16), "OPUS-1001")
    assert (allowance_order.status, allowance_order.rejection_reason) == (O.REJECTED, "Ingen NemKonto")
    logs = ModelLogEntry.objects.filter(content_type__model="case").values_list("action", flat=True)
    assert {"backoffice.case.payment_order_confirmed", "backoffice.case.payment_order_rejected"} <= set(logs)

    again = import_confirmations(content, nordby, coordinator)
    assert (again.confirmed, again.rejected, again.already_recorded) == (0, 0, 2)
    assert set(PaymentOrder.objects.values_list("pk", "status", "transaction_id", "booked_on")) == {
        (loan_order.pk, O.CONFIRMED, "OPUS-1001", dt.date(2026, 3, 16)),
        (allowance_order.pk, O.REJECTED, None, None)}


def test_other_data_for_a_paid_order_is_refused_with_its_line(loan_order, nordby, coordinator):
    payments.export_orders(nordby, coordinator)
    import_confirmations(confirmation(f"{loan_order.pk};paid;2026-03-16;OPUS-1001;"), nordby, coordinator)
    with pytest.raises(FileRefused) as refused:
        import_confirmations(confirmation(f"{loan_order.pk};paid;2026-03-17;OPUS-1001;"), nordby, coordinator)
    assert len(refused.value.errors) == 1 and " 2: " in refused.value.errors[0]
    assert PaymentOrder.objects.get(pk=loan_order.pk).booked_on == dt.date(2026, 3, 16)


def test_unknown_or_other_municipalitys_order_is_reported_and_nothing_recorded(
        loan_order, nordby, sydby, coordinator):
    payments.export_orders(nordby, coordinator)
    sydby_coordinator = user("koordinator@sydby.example")
    content = confirmation("999999;paid;2026-03-16;X-1;", f"{loan_order.pk};paid;2026-03-16;X-2;")
    with pytest.raises(FileRefused) as refused:
        import_confirmations(content, sydby, sydby_coordinator)
    assert len(refused.value.errors) == 2
    assert "999999" in refused.value.errors[0] and str(loan_order.pk) in refused.value.errors[1]
    assert [error.split(":")[0][-1] for error in refused.value.errors] == ["2", "3"]
    assert PaymentOrder.objects.get(pk=loan_order.pk).status == O.EXPORTED
    # In its own municipality, one bad line stops the good one too (all or nothing).
    with pytest.raises(FileRefused):
        import_confirmations(content, nordby, coordinator)
    assert PaymentOrder.objects.get(pk=loan_order.pk).status == O.EXPORTED


def test_an_order_not_yet_sent_cannot_be_confirmed(loan_order, nordby, coordinator):
    with pytest.raises(FileRefused):
        import_confirmations(confirmation(f"{loan_order.pk};paid;2026-03-16;X-1;"), nordby, coordinator)


def test_the_command_imports_confirmations(loan_order, nordby, coordinator, tmp_path, capsys):
    payments.export_orders(nordby, coordinator)
    path = tmp_path / "confirmations.csv"
    path.write_bytes(confirmation(f"{loan_order.pk};paid;2026-03-16;OPUS-7;"))
    for _round in range(2):
        call_command("import_payment_confirmations", str(path), municipality="nordby",
                     user="koordinator@nordby.example")
    out = capsys.readouterr().out
    assert "1 paid, 0 rejected, 0 already recorded." in out
    assert "0 paid, 0 rejected, 1 already recorded." in out
    with pytest.raises(CommandError):
        call_command("import_payment_confirmations", str(path), municipality="sydby",
                     user="koordinator@nordby.example")


# --- Migration of old payouts ---------------------------------------------------------------------------


def test_migration_makes_confirmed_orders_for_old_payouts(nordby, coordinator, second, third):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("backoffice.migrations.0012_nemkonto")
    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    disbursement = approve(loan, second, third)
    PaymentOrder.objects.all().delete()  # as before NemKonto
    migration.migrate_payouts(apps, None)
    order = PaymentOrder.objects.get(disbursement=disbursement)
    assert (order.status, order.recipient_number, order.booked_on) == (O.CONFIRMED, CVR, TODAY)
    assert order.batch.transport == "migrated" and order.batch.order_count == 1


# --- The coordinator's screen -----------------------------------------------------------------------------


def test_payment_screen_for_the_coordinator_exports_and_downloads(client, loan_order, coordinator):
    client.force_login(coordinator)
    url = reverse("backoffice:payment_orders")
    response = client.get(url)
    assert response.status_code == 200
    assert f'data-order="{loan_order.pk}" data-status="ready"' in response.content.decode()
    response = client.post(url, {"action": "export"})
    assert response.status_code == 302
    batch = PaymentOrder.objects.get(pk=loan_order.pk).batch
    download = client.get(reverse("backoffice:payment_batch", args=[batch.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "text/csv; charset=utf-8"
    assert download.content.decode("utf-8") == batch.content
    assert AccessLogEntry.objects.filter(user=coordinator, action=AccessLogEntry.Action.EXPORT,
                                         municipality=loan_order.municipality).exists()


def test_payment_screen_uploads_the_confirmation(client, loan_order, nordby, coordinator):
    payments.export_orders(nordby, coordinator)
    client.force_login(coordinator)
    url = reverse("backoffice:payment_orders")
    upload = SimpleUploadedFile("c.csv", confirmation(f"{loan_order.pk};paid;2026-03-16;OPUS-9;"))
    assert client.post(url, {"action": "confirm", "file": upload}).status_code == 302
    assert PaymentOrder.objects.get(pk=loan_order.pk).status == O.CONFIRMED
    bad = SimpleUploadedFile("c.csv", confirmation("424242;paid;2026-03-16;OPUS-10;"))
    response = client.post(url, {"action": "confirm", "file": bad})
    assert response.status_code == 400 and "data-errors" in response.content.decode()


def test_another_municipalitys_batch_is_404_and_no_permission_is_403(client, loan_order, nordby, coordinator):
    batch = payments.export_orders(nordby, coordinator)
    client.force_login(user("koordinator@sydby.example"))
    assert client.get(reverse("backoffice:payment_batch", args=[batch.pk])).status_code == 404
    page = client.get(reverse("backoffice:payment_orders"))
    assert page.status_code == 200 and f'data-order="{loan_order.pk}"' not in page.content.decode()
    client.force_login(user("sagsbehandler@nordby.example"))  # no manage_loan: refused (Wagtail's redirect)
    for url in (reverse("backoffice:payment_orders"), reverse("backoffice:payment_batch", args=[batch.pk])):
        assert outcome(client.get(url)) == "denied"


def test_payment_screen_queries_do_not_grow_with_the_orders(client, nordby, coordinator, second, third):
    client.force_login(coordinator)
    url = reverse("backoffice:payment_orders")

    def count():
        client.get(url)  # warm the session and permission caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
    approve(loan, second, third)
    payments.export_orders(nordby, coordinator)
    one = count()
    for _n in range(3):
        case, loan = loan_case(nordby, coordinator, verified_by=coordinator)
        approve(loan, second, third)
    payments.export_orders(nordby, coordinator)
    assert count() == one


# --- Where staff and the citizen see the order ----------------------------------------------------------


def test_the_loan_section_and_the_allowance_show_each_payouts_order(client, loan_order, allowance_order,
                                                                    coordinator):
    client.force_login(coordinator)
    for order in (loan_order, allowance_order):
        html = client.get(reverse("backoffice:case", args=[order.case_id])).content.decode()
        assert f'data-payment-order="{order.pk}" data-order-status="ready"' in html
    assert f"CVR {CVR}" in client.get(reverse("backoffice:case", args=[loan_order.case_id])).content.decode()


def test_my_page_says_the_loan_went_to_the_business_nemkonto(client, nordby, coordinator, second, third):
    from .test_loans import disburse, granted_case

    citizen = user("borger@nordby.example")
    case, loan = granted_case(nordby, coordinator, status=S.BUSINESS_SETUP, verified_by=coordinator,
                              citizen=citizen)
    disburse(loan, second, third)
    client.force_login(citizen)
    response = client.get(reverse("my_page_loan", kwargs={"reference": case.reference}))
    assert response.status_code == 200
    assert f'data-paid-to="{CVR}"' in response.content.decode()


def test_anonymisation_removes_who_was_paid_from_orders_and_kept_files(loan_order, allowance_order, nordby,
                                                                       coordinator):
    from backoffice.services.retention import anonymise_case

    batch = payments.export_orders(nordby, coordinator)
    assert CPR_DIGITS in batch.content and CVR in batch.content
    for order in (loan_order, allowance_order):
        Case.objects.filter(pk=order.case_id).update(status=S.CLOSED)
        anonymise_case(Case.objects.get(pk=order.case_id))
    assert set(PaymentOrder.objects.values_list("kind", "recipient_number", "amount_ore")) == {
        ("loan", "00000000", 4_000_000), ("allowance", "0000000000", 1_200_000)}
    batch.refresh_from_db()
    assert CPR_DIGITS not in batch.content and CVR not in batch.content
    assert batch.content.count("\r\n") == 3 and "40000,00" in batch.content
    assert BusinessAccount.objects.get(business__case_id=loan_order.case_id).nemkonto_cvr == ""
