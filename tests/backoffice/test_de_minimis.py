"""De minimis state aid on the loan: the gross grant equivalent against
hand-computed figures, the declaration required, the ceiling over the
rolling three years, the grant recorded with the de minimis wording in the
grant letter, the register export (page and command) and who may see it,
and the case page and loan policy."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from backoffice.models import (
    Business, DeclaredAid, DeMinimisDeclaration, DeMinimisGrant, Document, LetterDispatch, Loan, LoanPolicy,
)
from backoffice.services import de_minimis, loans
from backoffice.services.de_minimis import DeMinimisRefused, gross_grant_equivalent, window_start

from .de_minimis_setup import declare_no_other_aid
from .test_decisions import pdf_text
from .test_loans import TODAY, final_decision, make_case, make_staff, user

GRANTED_ON = TODAY - dt.timedelta(days=60)  # 2026-01-14, as granted_case in test_loans


@pytest.fixture
def coordinator(demo):
    return user("koordinator@nordby.example")


@pytest.fixture
def policy(nordby):
    policy = LoanPolicy.objects.get(municipality=nordby)
    policy.eu_base_rate, policy.eu_base_rate_set_on = Decimal("4.00"), dt.date(2026, 1, 1)
    policy.de_minimis_margin, policy.eur_dkk_rate = Decimal("4.00"), Decimal("7.46")
    policy.save()
    return policy


def decided_case(nordby, coordinator, *, declare=True, cvr=""):
    """A case with the final decision to grant the loan (and the declaration)."""
    case = make_case(nordby)
    final_decision(case, coordinator) if declare else _decision_only(case, coordinator)
    if cvr:
        Business.objects.create(case=case, name="Systuen ApS", cvr_number=cvr)
    return case


def _decision_only(case, coordinator):
    from backoffice.models import Decision, DecisionKind
    return Decision.objects.create(case=case, kind=DecisionKind.GRANT_LOAN, status=Decision.Status.FINAL,
                                   fully_granted=True, reason="Begrundelse", decided_by=coordinator,
                                   decided_at=timezone.now())


def grant(case, coordinator, **terms):
    terms.setdefault("amount_ore", 4_000_000)
    return loans.grant_loan(case, coordinator, today=GRANTED_ON, **terms)


# --- The computation ------------------------------------------------------------------------------


def test_gge_of_an_interest_free_loan_matches_the_hand_computation():
    # DKK 100,000 granted 1 Jan 2026, repaid 50,000 on 1 Jan 2027 and 50,000 on 1 Jan 2028 (365 days each).
    # Reference rate 4 % + 4 points = 8 %, discount rate 4 % + 1 point = 5 %.
    #   year 1: 100,000 × 8 % = 8,000.00, discounted 1 year:  8,000 / 1.05   = 7,619.047619
    #   year 2:  50,000 × 8 % = 4,000.00, discounted 2 years: 4,000 / 1.1025 = 3,628.117914
    #   GGE = 11,247.165533 kr. → 1,124,717 øre; EUR = 11,247.17 / 7.46 = 1,507.66
    schedule = [(dt.date(2027, 1, 1), 5_000_000, 0), (dt.date(2028, 1, 1), 5_000_000, 0)]
    aid = gross_grant_equivalent(10_000_000, dt.date(2026, 1, 1), schedule, reference_rate=Decimal("8.00"),
                                 discount_rate=Decimal("5.00"))
    assert aid == 1_124_717
    assert de_minimis.ore_to_eur_cents(aid, Decimal("7.46")) == 150_766


def test_gge_subtracts_the_interest_actually_charged():
    # As above, but the loan charges 1 %: 1,000 kr. and 500 kr. at the ends of the two years.
    #   (8,000 − 1,000) / 1.05 = 6,666.666667; (4,000 − 500) / 1.1025 = 3,174.603175 → 9,841.269841 kr.
    schedule = [(dt.date(2027, 1, 1), 5_000_000, 100_000), (dt.date(2028, 1, 1), 5_000_000, 50_000)]
    assert gross_grant_equivalent(10_000_000, dt.date(2026, 1, 1), schedule, reference_rate=Decimal("8"),
                                  discount_rate=Decimal("5")) == 984_127


def test_gge_counts_the_grace_period_and_part_years():
    # DKK 10,000 for 146 days (0.4 year) in one instalment: 10,000 × 8 % × 146/365 = 320.00 kr.,
    # discounted 1.05^0.4 = 1.019707... → 313.8157 kr. → 31,382 øre.
    schedule = [(dt.date(2026, 5, 27), 1_000_000, 0)]
    assert gross_grant_equivalent(1_000_000, dt.date(2026, 1, 1), schedule, reference_rate=Decimal("8"),
                                  discount_rate=Decimal("5")) == 31_382


def test_a_loan_dearer_than_the_reference_rate_is_no_aid():
    schedule = [(dt.date(2027, 1, 1), 1_000_000, 200_000)]
    assert gross_grant_equivalent(1_000_000, dt.date(2026, 1, 1), schedule, reference_rate=Decimal("8"),
                                  discount_rate=Decimal("5")) == 0


def test_the_three_years_are_rolling_up_to_the_grant_date():
    assert window_start(dt.date(2026, 3, 15)) == dt.date(2023, 3, 16)
    assert window_start(dt.date(2028, 2, 29)) == dt.date(2025, 3, 1)


# --- At the grant ---------------------------------------------------------------------------------


def test_the_grant_records_the_aid_from_the_loans_own_schedule(nordby, coordinator, policy):
    case = decided_case(nordby, coordinator, cvr="12345674")
    loan = grant(case, coordinator, grace_months=6, repayment_months=24)
    record = DeMinimisGrant.objects.get(loan=loan)
    schedule = list(loan.instalments.values_list("due_on", "principal_ore", "interest_ore"))
    assert len(schedule) == 24
    expected = gross_grant_equivalent(4_000_000, GRANTED_ON, schedule, reference_rate=Decimal("8.00"),
                                      discount_rate=Decimal("5.00"))
    # 40,000 kr. owed 6.5 months, then repaid over 2 years: about 40,000 × 8 % × (6.5/12 + 1) ≈ 4,900 kr.
    assert 400_000 < expected < 500_000
    assert (record.aid_ore, record.aid_eur_cents) == (expected, de_minimis.ore_to_eur_cents(expected, "7.46"))
    assert (record.cvr_number, record.business_name, record.granted_on) == ("12345674", "Systuen ApS", GRANTED_ON)
    assert (record.regulation, record.method, record.loan_principal_ore) == (
        "(EU) 2023/2831", DeMinimisGrant.Method.REFERENCE_RATE_DCF, 4_000_000)
    assert (record.base_rate, record.margin, record.discount_rate, record.ceiling_eur) == (
        Decimal("4.000"), Decimal("4.00"), Decimal("5.000"), 300_000)
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action=de_minimis.GRANTED_ACTION)
    assert entry.data["aid_ore"] == expected and entry.data["letter"] == record.letter_id


def test_the_grant_letter_states_the_de_minimis_aid(nordby, coordinator, policy):
    case = decided_case(nordby, coordinator)
    loan = grant(case, coordinator, grace_months=0, repayment_months=12)
    record = loan.de_minimis_grant
    letter = record.letter
    assert letter.kind == Document.Kind.DECISION_LETTER and letter.visible_to_citizen
    assert LetterDispatch.objects.filter(document=letter, kind=LetterDispatch.Kind.DECISION).exists()
    text = pdf_text(letter)  # in Danish once the translations are compiled, until then in English
    assert ("de minimis-støtte efter Kommissionens forordning (EU) 2023/2831" in text
            or "de minimis aid under Commission Regulation (EU) 2023/2831" in text)
    dkk, eur = loans.kroner(record.aid_ore), loans.kroner(record.aid_eur_cents)
    assert (f"{dkk} kr." in text or f"DKK {dkk}" in text) and f"EUR {eur}" in text
    assert "40.000,00" in text and " 12 " in text


def test_without_the_declaration_the_loan_is_refused(nordby, coordinator, policy):
    case = decided_case(nordby, coordinator, declare=False)
    with pytest.raises(DeMinimisRefused) as refused:
        grant(case, coordinator)
    assert refused.value.code == "declaration_required"
    assert not Loan.objects.filter(case=case).exists() and not DeMinimisGrant.objects.exists()


def test_without_the_base_rate_the_loan_is_refused(nordby, coordinator, policy):
    policy.eu_base_rate = policy.eu_base_rate_set_on = None
    policy.save()
    case = decided_case(nordby, coordinator)
    with pytest.raises(DeMinimisRefused) as refused:
        grant(case, coordinator)
    assert refused.value.code == "base_rate_required" and not Loan.objects.filter(case=case).exists()


def test_above_the_ceiling_the_loan_is_refused_and_nothing_is_saved(nordby, coordinator, policy):
    case = decided_case(nordby, coordinator)
    declaration = DeMinimisDeclaration.objects.get(case=case)
    declaration.no_other_aid = False
    declaration.save()
    DeclaredAid.objects.create(declaration=declaration, grantor="Erhvervsstyrelsen",
                               granted_on=dt.date(2024, 6, 1), amount_eur_cents=299_800_00)
    documents = Document.objects.count()
    with pytest.raises(DeMinimisRefused) as refused, translation.override("en"):
        grant(case, coordinator)  # aid ≈ EUR 1,175 on top of EUR 299,800
    assert refused.value.code == "ceiling"
    with translation.override("en"):
        message = str(refused.value.message)
    assert "EUR 299.800,00" in message and "EUR 300.000,00" in message
    assert not Loan.objects.filter(case=case).exists() and Document.objects.count() == documents


def test_aid_older_than_three_years_does_not_count(nordby, coordinator, policy):
    case = decided_case(nordby, coordinator)
    declaration = DeMinimisDeclaration.objects.get(case=case)
    declaration.no_other_aid = False
    declaration.save()
    # Granted exactly three years before the grant date: outside "any period of three years".
    DeclaredAid.objects.create(declaration=declaration, grantor="Fonden", granted_on=dt.date(2023, 1, 14),
                               amount_eur_cents=299_800_00)
    DeclaredAid.objects.create(declaration=declaration, grantor="Kommunen", granted_on=dt.date(2023, 1, 15),
                               amount_eur_cents=1_000_00)
    loan = grant(case, coordinator)
    assert loan.de_minimis_grant.other_aid_eur_cents == 1_000_00


def test_earlier_grants_to_the_same_cvr_count_towards_the_ceiling(nordby, coordinator, policy):
    policy.de_minimis_ceiling_eur = 2_000
    policy.save()
    first = grant(decided_case(nordby, coordinator, cvr="12345674"), coordinator)
    assert first.de_minimis_grant.aid_eur_cents > 1_000_00  # ≈ EUR 1,175: a second one passes EUR 2,000
    with pytest.raises(DeMinimisRefused):
        grant(decided_case(nordby, coordinator, cvr="12345674"), coordinator)
    grant(decided_case(nordby, coordinator, cvr="10150817"), coordinator)  # another business


def test_with_de_minimis_off_nothing_is_asked_or_recorded(nordby, coordinator, policy):
    policy.de_minimis_enabled = False
    policy.save()
    case = decided_case(nordby, coordinator, declare=False)
    loan = grant(case, coordinator)
    assert not DeMinimisGrant.objects.filter(loan=loan).exists()


def test_the_grant_view_shows_the_refusal(client, nordby, coordinator, policy):
    case = decided_case(nordby, coordinator, declare=False)
    case.refresh_from_db()
    client.force_login(coordinator)
    with translation.override("en"):
        response = client.post(reverse("backoffice:loan_grant", args=[case.pk]), {
            "version": case.version, "amount": "40.000", "grace_months": 12, "repayment_months": 48},
            follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not Loan.objects.filter(case=case).exists()
    messages = [str(m) for m in response.context["messages"]]
    # The admin speaks the staff member's language (Danish here), whatever the browser asks for.
    msgid = ("The business has not declared its other de minimis aid of the last three years. Ask the citizen "
             "to fill in the declaration on My page before the loan is recorded.")
    with translation.override("da"):
        expected = translation.gettext(msgid)
    assert expected != msgid and any(expected in m for m in messages), messages


# --- The case page and the loan policy ------------------------------------------------------------


def test_the_case_page_shows_the_declaration_and_the_aid(client, nordby, coordinator, policy):
    case = decided_case(nordby, coordinator)
    declaration = DeMinimisDeclaration.objects.get(case=case)
    declaration.no_other_aid = False
    declaration.save()
    DeclaredAid.objects.create(declaration=declaration, grantor="Fonden for X", granted_on=dt.date(2025, 2, 1),
                               amount_eur_cents=12_500_00)
    loan = grant(case, coordinator)
    client.force_login(coordinator)
    html = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'id="de-minimis-section"' in html and "Fonden for X" in html
    assert f'data-aid-ore="{loan.de_minimis_grant.aid_ore}"' in html
    assert reverse("backoffice:document", args=[case.pk, loan.de_minimis_grant.letter_id]) in html


def test_the_case_page_says_when_the_declaration_is_missing(client, nordby, coordinator, policy):
    case = decided_case(nordby, coordinator, declare=False)
    client.force_login(coordinator)
    assert "data-declaration-missing" in client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    client.force_login(user("koordinator@sydby.example"))
    assert client.get(reverse("backoffice:case", args=[case.pk])).status_code == 404


def test_the_loan_policy_form_has_the_de_minimis_parameters(client, nordby, coordinator, policy):
    client.force_login(coordinator)
    html = client.get(reverse("loan_policy:edit", args=[policy.pk])).content.decode()
    for name in ("de_minimis_enabled", "eu_base_rate", "eu_base_rate_set_on", "de_minimis_margin",
                 "eur_dkk_rate", "de_minimis_ceiling_eur"):
        assert f'name="{name}"' in html
    assert LoanPolicy._meta.get_field("de_minimis_margin").default == Decimal("4.00")
    assert LoanPolicy._meta.get_field("de_minimis_enabled").default is True


# --- The register ---------------------------------------------------------------------------------


def denied(response):
    """Wagtail's admin answers PermissionDenied with a redirect to its home page."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"))


def register_url(**params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("backoffice:statistics_de_minimis") + (f"?{query}" if query else "")


@pytest.fixture
def two_grants(nordby, coordinator, policy):
    first = grant(decided_case(nordby, coordinator, cvr="12345674"), coordinator)
    second = grant(decided_case(nordby, coordinator), coordinator, amount_ore=3_000_000)
    Business.objects.create(case=second.case, name="Café Amina", cvr_number="10150817")  # registered after
    return first, second


def test_the_register_csv_lists_the_periods_grants(client, nordby, coordinator, two_grants):
    first, second = two_grants
    client.force_login(coordinator)
    response = client.get(register_url(start="2026-01-01", end="2026-12-31", export="csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_case = {row[8]: row for row in rows[1:]}
    row = by_case[first.case.reference]
    assert row[0] == "12345674" and row[1] == "Systuen ApS" and row[2] == GRANTED_ON.isoformat()
    assert row[3] == str(Decimal(first.de_minimis_grant.aid_ore) / 100)
    assert row[4] == str(Decimal(first.de_minimis_grant.aid_eur_cents) / 100)
    assert row[6] == "8.000" and row[7] == "40000.00" and row[9] == "(EU) 2023/2831"
    assert by_case[second.case.reference][:2] == ["10150817", "Café Amina"]  # the CVR registered later
    empty = client.get(register_url(start="2025-01-01", end="2025-12-31", export="csv"))
    assert len(list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))) == 1


def test_the_register_page_is_for_staff_who_decide_loans_in_their_municipality(client, nordby, demo, two_grants):
    first, _second = two_grants
    client.force_login(user("koordinator@nordby.example"))
    page = client.get(register_url(start="2026-01-01", end="2026-12-31"))
    assert page.status_code == 200 and f'data-case="{first.case.reference}"' in page.content.decode()
    client.force_login(user("koordinator@sydby.example"))
    other = client.get(register_url(start="2026-01-01", end="2026-12-31"))
    assert other.status_code == 200 and first.case.reference not in other.content.decode()
    steering = make_staff(nordby, role="steering_group")
    client.force_login(steering)
    assert denied(client.get(register_url())) and denied(client.get(register_url(export="csv")))
    assert register_url() not in client.get(reverse("backoffice:statistics_index")).content.decode()
    client.force_login(make_staff(nordby, role="caseworker"))
    assert denied(client.get(register_url()))


def test_the_register_command_prints_the_csv(nordby, two_grants):
    out = io.StringIO()
    call_command("de_minimis_register", municipality="nordby", start="2026-01-01", end="2026-12-31",
                 language="en", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:5] == ["CVR number", "Business", "Granted on", "Aid (DKK)", "Aid (EUR)"]
    assert sorted(row[8] for row in rows[1:]) == sorted(loan.case.reference for loan in two_grants)
