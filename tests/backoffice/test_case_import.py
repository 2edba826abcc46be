"""The import of existing cases (``import_cases``): a good file makes cases
through the lifecycle with milestones, marker, loan, allowance, business,
account and outcome; bad rows stop it with line, column and what is wrong,
and leave the database as it was; a second run changes nothing; a changed row
updates; the Aalborg example reproduces the trial's figures."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import translation
from wagtail.models import ModelLogEntry

from backoffice.models import (
    Allowance,
    Business,
    BusinessAccount,
    Case,
    JournalNote,
    LedgerEntry,
    Loan,
    LoanPolicy,
    Municipality,
    Outcome,
    RepaymentInstalment,
)
from backoffice.services import case_import
from backoffice.services.case_import import ImportRefused, import_cases

S = Case.Status
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "aalborg-trial-2020.csv"
TODAY = dt.date(2026, 11, 26)
HEADER = ",".join(case_import.COLUMNS)


def csv_text(*rows, header=HEADER):
    """Rows as dicts of the columns that are not empty."""
    columns = header.split(",")
    lines = [header] + [",".join(row.get(column, "") for column in columns) for row in rows]
    return "\n".join(lines) + "\n"


LOAN_ROW = {
    "reference": "T-1", "target_group": "Jobparate kontanthjælpsmodtagere", "referred_on": "2021-01-04",
    "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30", "course_result": "completed",
    "loan_granted_on": "2021-08-20", "loan_amount_dkk": "40000", "allowance_months": "6",
    "business_account_requested_on": "2021-08-23", "business_account_opened_on": "2021-11-01",
    "business_started_on": "2021-11-15", "outcome": "self_sufficient_business", "outcome_on": "2022-11-21",
}
REFERRED_ROW = {
    "reference": "T-2", "target_group": "education_ready_education_benefit", "course_started_on": "2021-02-01",
    "course_completed_on": "2021-07-30", "referred_ordinary_effort_on": "2021-08-16",
}


def run(content, slug="nordby", **kwargs):
    return import_cases(content.encode("utf-8") if isinstance(content, str) else content, slug, today=TODAY,
                        **kwargs)


def errors_of(content, slug="nordby", **kwargs):
    with translation.override("en"), pytest.raises(ImportRefused) as refused:
        run(content, slug, **kwargs)
    return refused.value.errors


def snapshot():
    return (Case.objects.count(), Loan.objects.count(), Allowance.objects.count(), Business.objects.count(),
            BusinessAccount.objects.count(), Outcome.objects.count(), ModelLogEntry.objects.count(),
            Municipality.objects.count())


def audit(case):
    return ModelLogEntry.objects.filter(content_type__model="case", object_id=str(case.pk))


# --- A good file ------------------------------------------------------------------------------------


def test_good_file_makes_cases_through_the_lifecycle(nordby):
    result = run("\ufeff" + csv_text(LOAN_ROW, REFERRED_ROW))
    assert (result.created, result.updated, result.unchanged) == (["T-1", "T-2"], [], [])

    loan_case = Case.objects.get(municipality=nordby, reference="T-1")
    assert loan_case.imported and loan_case.citizen is None
    assert loan_case.target_group.code == "jobready_cash_benefit"
    assert loan_case.status == S.LOAN_DISBURSED  # account opened: the loan went out (not booked)
    assert (loan_case.referred_on, loan_case.course_started_on, loan_case.course_completed_on,
            loan_case.loan_granted_on) == (dt.date(2021, 1, 4), dt.date(2021, 2, 1), dt.date(2021, 7, 30),
                                           dt.date(2021, 8, 20))
    # Marker: course start through the loan period (12 months' grace, 48 instalments: last due 2026-08-01).
    assert (loan_case.marked_from, loan_case.marked_until) == (dt.date(2021, 2, 1), dt.date(2026, 8, 1))
    loan = loan_case.loan
    policy = nordby.loan_policy
    assert (loan.principal_ore, loan.granted_on, loan.decision, loan.status) == (
        4_000_000, dt.date(2021, 8, 20), None, Loan.Status.GRANTED)
    assert (loan.grace_months, loan.repayment_months, loan.annual_interest_rate) == (
        policy.grace_months, policy.repayment_months, policy.annual_interest_rate)
    assert not LedgerEntry.objects.filter(loan=loan).exists()  # no invented money
    assert not RepaymentInstalment.objects.filter(loan=loan).exists()
    assert (loan_case.allowance.months, loan_case.allowance.starts_on) == (6, dt.date(2021, 11, 1))
    account = loan_case.business.bank_account
    assert (account.requested_on, account.opened_on, account.bank_name, account.verified_at) == (
        dt.date(2021, 8, 23), dt.date(2021, 11, 1), case_import.NOT_RECORDED, None)
    assert loan_case.business.started_on == dt.date(2021, 11, 15)
    outcome = loan_case.outcomes.get()
    assert (outcome.checkpoint, outcome.result, outcome.recorded_on) == (
        Outcome.Checkpoint.MONTHS_12, Outcome.Result.SELF_SUFFICIENT_BUSINESS, dt.date(2022, 11, 21))

    referred = Case.objects.get(municipality=nordby, reference="T-2")
    assert referred.status == S.CLOSED
    assert referred.referred_ordinary_effort_on == dt.date(2021, 8, 16)
    assert referred.closed_at.date() == dt.date(2021, 8, 16)  # dated on the milestone
    assert (referred.marked_from, referred.marked_until) == (dt.date(2021, 2, 1), dt.date(2021, 7, 30))
    assert not Loan.objects.filter(case=referred).exists()


def test_each_imported_step_is_in_the_audit_log(nordby):
    run(csv_text(LOAN_ROW, REFERRED_ROW))
    loan_case = Case.objects.get(reference="T-1")
    steps = [(entry.data["from"], entry.data["to"]) for entry in
             audit(loan_case).filter(action="backoffice.case.status_changed").order_by("pk")]
    assert steps == [("submitted", "screening"), ("screening", "admitted"), ("admitted", "in_course"),
                     ("in_course", "course_completed"), ("course_completed", "loan_granted"),
                     ("loan_granted", "business_setup"), ("business_setup", "loan_disbursed")]
    assert all(entry.data["reason"] == "import" for entry in
               audit(loan_case).filter(action="backoffice.case.status_changed"))
    referred = Case.objects.get(reference="T-2")
    assert audit(referred).filter(action="backoffice.case.status_changed").order_by("pk").last().data["to"] == "closed"
    created = audit(referred).exclude(action="backoffice.case.status_changed").get()
    assert created.data["created"] is True and created.data["reference"] == "T-2"


def test_statuses_for_each_ending(nordby):
    rows = [
        {"reference": "A", "referred_on": "2021-01-04"},
        {"reference": "B", "course_started_on": "2021-02-01"},
        {"reference": "C", "course_started_on": "2021-02-01", "course_result": "dropped_out",
         "course_completed_on": "2021-04-09"},
        {"reference": "D", "course_started_on": "2021-02-01", "course_result": "ordinary_employment",
         "course_completed_on": "2021-05-03", "outcome": "self_sufficient_employment", "outcome_on": "2021-11-08"},
        {"reference": "E", "referred_on": "2021-01-04", "referred_ordinary_effort_on": "2021-01-25"},
        {"reference": "F", "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30",
         "loan_granted_on": "2021-08-20", "loan_amount_dkk": "30000", "business_account_requested_on": "2021-08-23"},
    ]
    run(csv_text(*rows))
    status = dict(Case.objects.filter(municipality=nordby, imported=True).values_list("reference", "status"))
    assert status == {"A": S.SCREENING, "B": S.IN_COURSE, "C": S.DROPPED_OUT, "D": S.CLOSED, "E": S.CLOSED,
                      "F": S.BUSINESS_SETUP}
    dropped = Case.objects.get(reference="C")
    assert dropped.course_completed_on is None  # only a completed course has the milestone
    assert dropped.marked_until == dt.date(2021, 4, 9)  # the course's end date ends the marker
    assert Case.objects.get(reference="E").marked_from is None  # never on the course: no marker
    assert Case.objects.get(reference="B").marked_until is None  # still on the course
    assert Outcome.objects.get(case__reference="D").checkpoint == Outcome.Checkpoint.MONTHS_6


@pytest.mark.parametrize("written", [
    "jobready_cash_benefit", "Jobparate kontanthjælpsmodtagere", "  jobparate   KONTANTHJÆLPSMODTAGERE ",
    "Jobparat kontanthjælpsmodtager",
])
def test_target_group_by_code_or_danish_name(nordby, written):
    run(csv_text({"reference": "X", "target_group": f'"{written}"', "referred_on": "2021-01-04"}))
    assert Case.objects.get(reference="X").target_group.code == "jobready_cash_benefit"


@pytest.mark.parametrize(("written", "code"), [
    ("Udd.parate udd.hjælpsmodtagere", "education_ready_education_benefit"),
    ("Uddannelsesparate uddannelseshjælpsmodtagere", "education_ready_education_benefit"),
    ("Selvforsørgede", "self_supporting"),
    ("Revalidender", "rehabilitation"),
    ("Førtidspensionist", "early_retirement_pension"),
])
def test_target_group_names_from_the_seed_documents(nordby, written, code):
    run(csv_text({"reference": "X", "target_group": written, "referred_on": "2021-01-04"}))
    assert Case.objects.get(reference="X").target_group.code == code


def test_semicolons_and_a_header_in_another_order(nordby):
    content = "outcome_on;reference;course_started_on\n;S-1;2021-02-01\n"
    assert run(content).created == ["S-1"]
    assert Case.objects.get(reference="S-1").status == S.IN_COURSE


# --- Bad rows ---------------------------------------------------------------------------------------


def test_bad_rows_name_line_column_and_problem(nordby):
    rows = [
        {"reference": "OK-1", "course_started_on": "2021-02-01"},
        {"reference": "B-1", "target_group": "Pensionister"},
        {"reference": "B-2", "course_started_on": "2021-13-01"},
        {"reference": "B-3", "loan_granted_on": "2021-08-20", "loan_amount_dkk": "40000"},
        {"reference": "OK-1", "course_started_on": "2021-02-01"},
        {"reference": "B-5", "course_started_on": "2021-02-01", "course_completed_on": "2021-01-15"},
        {"reference": "B-6", "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30",
         "loan_granted_on": "2021-08-20", "loan_amount_dkk": "-5"},
        {"reference": "B-7", "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30",
         "loan_granted_on": "2021-08-20", "loan_amount_dkk": "\"40000,50\""},
        {"reference": "B-8", "course_started_on": "2021-02-01", "course_result": "graduated"},
        {"reference": "B-9", "course_started_on": "2021-02-01", "outcome": "self_sufficient_business"},
        {"reference": "B-10", "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30",
         "business_account_requested_on": "2021-09-01", "business_account_opened_on": "2021-08-01"},
        {"reference": "B-11", "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30",
         "loan_granted_on": "2021-01-10"},
        {"reference": "B-12", "course_started_on": "2021-02-01", "outcome": "rich", "outcome_on": "2021-03-01"},
        {"reference": "B-13", "course_started_on": "2021-02-01", "course_completed_on": "2021-07-30",
         "loan_granted_on": "2021-08-20", "loan_amount_dkk": "90000"},
        {"reference": "B-14", "course_started_on": "2027-02-01"},
    ]
    errors = errors_of(csv_text(*rows))
    expected = [
        ("Line 3, column target_group:", "unknown target group “Pensionister”"),
        ("Line 4, column course_started_on:", "“2021-13-01” is not a date like 2021-03-01"),
        ("Line 5, column loan_granted_on:", "there is no course_started_on"),
        ("Line 6, column reference:", "the case number OK-1 is also on line 2"),
        ("Line 7, column course_completed_on:", "2021-01-15 is before course_started_on (2021-02-01)"),
        ("Line 8, column loan_amount_dkk:", "“-5” is negative"),
        ("Line 9, column loan_amount_dkk:", "“40000,50” is not a whole number"),
        ("Line 10, column course_result:", "unknown course result “graduated”"),
        ("Line 11, column outcome_on:", "the date of the outcome is missing"),
        ("Line 12, column business_account_opened_on:", "2021-08-01 is before business_account_requested_on"),
        ("Line 13, column loan_granted_on:", "2021-01-10 is before course_started_on"),
        ("Line 14, column outcome:", "unknown outcome “rich”"),
        ("Line 15, column loan_amount_dkk:", "from 30000 to 50000 kr."),
        ("Line 16, column course_started_on:", "in the future"),
    ]
    for start, problem in expected:
        assert any(error.startswith(start) and problem in error for error in errors), (start, errors)
    assert not any(error.startswith("Line 2,") for error in errors)
    assert not Case.objects.filter(reference__startswith="OK").exists()


def test_a_loan_without_a_completed_course_is_refused(nordby):
    errors = errors_of(csv_text({"reference": "L", "course_started_on": "2021-02-01", "course_result": "dropped_out",
                                 "loan_granted_on": "2021-08-20"}))
    assert errors == ["Line 2, column loan_granted_on: a loan is granted only after a completed course"]


@pytest.mark.parametrize(("header", "message"), [
    ("reference,target_group,colour", "Line 1: unknown columns: colour."),
    ("target_group,course_started_on", "Line 1: the column reference (the case number) is missing."),
])
def test_bad_header(nordby, header, message):
    errors = errors_of(header + "\nX,jobready_cash_benefit,\n")
    assert errors[0].startswith(message)


def test_unknown_municipality_needs_create(demo):
    before = snapshot()
    errors = errors_of(csv_text(REFERRED_ROW), slug="aalborg")
    assert "--create-municipality" in errors[0]
    assert snapshot() == before


def test_all_or_nothing(nordby):
    before = snapshot()
    errors_of(csv_text(LOAN_ROW, REFERRED_ROW, {"reference": "BAD", "course_started_on": "yesterday"}))
    assert snapshot() == before
    # A refusal found only when planning against the database also leaves everything as it was.
    run(csv_text(REFERRED_ROW))
    before = snapshot()
    closed_without_referral = {**REFERRED_ROW, "referred_ordinary_effort_on": ""}
    errors = errors_of(csv_text(LOAN_ROW, closed_without_referral))
    assert errors == [("Line 3, column referred_ordinary_effort_on: the case already has this date (2021-08-16); "
                       "the import does not take a step back. Leave the date in the file or correct it")]
    assert snapshot() == before


def test_a_live_case_with_the_same_number_is_left_alone(nordby):
    Case.objects.create(municipality=nordby, reference="NOR-2026-00001")
    errors = errors_of(csv_text({"reference": "NOR-2026-00001", "course_started_on": "2021-02-01"}))
    assert errors == [("Line 2, column reference: a case with this case number was not imported; the import "
                       "leaves it alone")]


# --- Running twice ----------------------------------------------------------------------------------


def test_running_twice_changes_nothing(nordby):
    content = csv_text(LOAN_ROW, REFERRED_ROW)
    run(content)
    before = snapshot()
    versions = dict(Case.objects.values_list("reference", "version"))
    result = run(content)
    assert (result.created, result.updated, result.unchanged) == ([], [], ["T-1", "T-2"])
    assert not result.changed
    assert snapshot() == before
    assert dict(Case.objects.values_list("reference", "version")) == versions


def test_a_changed_row_updates_and_moves_on(nordby):
    first = {**LOAN_ROW, "business_account_opened_on": "", "business_started_on": "", "outcome": "",
             "outcome_on": ""}
    run(csv_text(first))
    case = Case.objects.get(reference="T-1")
    assert case.status == S.BUSINESS_SETUP and not case.outcomes.exists()
    later = {**LOAN_ROW, "loan_amount_dkk": "45000", "target_group": "Udd.parate udd.hjælpsmodtagere"}
    result = run(csv_text(later, REFERRED_ROW))
    assert (result.created, result.updated, result.unchanged) == (["T-2"], ["T-1"], [])
    case.refresh_from_db()
    assert case.status == S.LOAN_DISBURSED
    assert case.target_group.code == "education_ready_education_benefit"
    assert Case.objects.filter(reference="T-1").count() == 1 and Loan.objects.filter(case=case).count() == 1
    assert case.loan.principal_ore == 4_500_000
    assert case.business.bank_account.opened_on == dt.date(2021, 11, 1)
    assert case.outcomes.get().result == Outcome.Result.SELF_SUFFICIENT_BUSINESS
    # Only the steps not taken before were walked.
    walked = [e.data["to"] for e in audit(case).filter(action="backoffice.case.status_changed").order_by("pk")]
    assert walked == ["screening", "admitted", "in_course", "course_completed", "loan_granted", "business_setup",
                      "loan_disbursed"]
    # A later outcome is added beside the earlier one.
    run(csv_text({**later, "outcome": "public_support", "outcome_on": "2023-12-04"}))
    assert dict(case.outcomes.values_list("checkpoint", "result")) == {
        "months_12": "self_sufficient_business", "months_24": "public_support"}


def test_a_case_moved_on_in_the_system_is_not_moved_back(nordby):
    run(csv_text({**LOAN_ROW, "business_account_opened_on": "", "outcome": "", "outcome_on": ""}))
    case = Case.objects.get(reference="T-1")
    Case.objects.filter(pk=case.pk).update(status=S.IN_REPAYMENT)  # staff carried on with the case
    result = run(csv_text(LOAN_ROW))
    assert result.updated == ["T-1"]
    case.refresh_from_db()
    assert case.status == S.IN_REPAYMENT and case.business.bank_account.opened_on == dt.date(2021, 11, 1)


# --- The command ------------------------------------------------------------------------------------


def test_command_creates_the_municipality_and_reports(tmp_path, demo, capsys):
    path = tmp_path / "cases.csv"
    path.write_text(csv_text(LOAN_ROW, REFERRED_ROW), encoding="utf-8")
    with translation.override("en"):
        call_command("import_cases", str(path), "--municipality", "vesthavn", "--create-municipality",
                     "Vesthavn Kommune")
        out = capsys.readouterr().out
        assert "Created the municipality Vesthavn Kommune (vesthavn)." in out
        assert "2 created, 0 updated, 0 unchanged." in out
        place = Municipality.objects.get(slug="vesthavn")
        assert place.name == "Vesthavn Kommune" and place.site.hostname == "vesthavn.invalid"
        assert LoanPolicy.objects.filter(municipality=place).exists()
        assert Case.objects.filter(municipality=place, imported=True).count() == 2
        call_command("import_cases", str(path), "--municipality", "vesthavn", "--create-municipality",
                     "Vesthavn Kommune")
        out = capsys.readouterr().out
        assert "0 created, 0 updated, 2 unchanged." in out and "Nothing changed" in out


def test_command_error_lists_the_problems_in_danish(tmp_path, nordby):
    path = tmp_path / "cases.csv"
    path.write_text(csv_text({"reference": "X", "target_group": "Pensionister"}), encoding="utf-8")
    with translation.override("da"), pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), "--municipality", "nordby")
    message = str(error.value)
    assert "Intet blev importeret" in message and "Linje 2, kolonne target_group" in message
    assert not Case.objects.filter(reference="X").exists()


def test_command_refuses_an_unknown_municipality(tmp_path, demo):
    path = tmp_path / "cases.csv"
    path.write_text(csv_text(REFERRED_ROW), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="--create-municipality"):
        call_command("import_cases", str(path), "--municipality", "aalborg")
    assert not Municipality.objects.filter(slug="aalborg").exists()


# --- The Aalborg example ----------------------------------------------------------------------------


def test_aalborg_example_reproduces_the_trial_figures(demo):
    result = import_cases(EXAMPLE.read_bytes(), "aalborg", create_name="Aalborg Kommune", today=TODAY)
    assert len(result.created) == 22 and result.municipality_created
    start, end = dt.date(2020, 7, 1), dt.date(2022, 12, 31)
    cases = Case.objects.filter(municipality__slug="aalborg")
    courses = cases.filter(course_started_on__range=(start, end))
    loans = cases.filter(loan_granted_on__range=(start, end))
    latest = Outcome.objects.filter(case=OuterRef("pk"), recorded_on__lte=end).order_by("-recorded_on", "-pk")
    self_sufficient = loans.annotate(latest=Subquery(latest.values("result")[:1])).filter(
        latest__in=["self_sufficient_business", "self_sufficient_employment"])
    referred = courses.filter(loan_granted_on__isnull=True, referred_ordinary_effort_on__lte=end)
    assert (courses.count(), loans.count(), self_sufficient.count(), referred.count()) == (20, 14, 8, 6)
    by_group = {
        row["target_group__code"]: (row["courses"], row["loans"])
        for row in cases.values("target_group__code").annotate(
            courses=Count("pk", filter=Q(course_started_on__range=(start, end))),
            loans=Count("pk", filter=Q(loan_granted_on__range=(start, end))),
        ).filter(Q(courses__gt=0) | Q(loans__gt=0))
    }
    assert by_group == {"jobready_cash_benefit": (12, 11), "education_ready_education_benefit": (7, 3),
                        "self_supporting": (1, 0)}
    # Every case in the scheme carries the person-group marker from its course start.
    assert not cases.filter(course_started_on__isnull=False).exclude(marked_from=F("course_started_on")).exists()
    # The barrier: some accounts took months, some cost fees, one never opened.
    accounts = BusinessAccount.objects.filter(business__case__municipality__slug="aalborg")
    waits = sorted(a.days_to_open for a in accounts if a.days_to_open is not None)
    assert waits[0] <= 14 and waits[-1] >= 120
    assert accounts.filter(fees_paid_ore__gt=0).count() >= 5 and accounts.filter(opened_on__isnull=True).count() == 1
    # The same file again changes nothing.
    again = import_cases(EXAMPLE.read_bytes(), "aalborg", today=TODAY)
    assert len(again.unchanged) == 22 and not again.changed
    assert not JournalNote.objects.filter(case__municipality__slug="aalborg").exists()


def test_imported_cases_show_on_the_case_page(client, nordby):
    run(csv_text(LOAN_ROW, REFERRED_ROW))
    client.force_login(get_user_model().objects.get(email="koordinator@nordby.example"))
    for reference in ("T-1", "T-2"):
        case = Case.objects.get(municipality=nordby, reference=reference)
        response = client.get(reverse("backoffice:case", args=[case.pk]))
        assert response.status_code == 200, reference
        assert case.get_status_display() in response.content.decode()
