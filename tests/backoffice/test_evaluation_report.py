"""The evaluation report (issue 6, part 1): the definitions on hand-built
cases at the period's boundaries, the command in its three formats, the
admin page with its CSV, XLSX and PDF downloads, who may see it, and query
counts that do not grow with the number of cases."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from backoffice.models import Case, Outcome, TargetGroup
from backoffice.statistics.evaluation import evaluation_report
from backoffice.statistics.exports import csv_text, export_filename, safe_cell
from backoffice.statistics.periods import Period

User = get_user_model()
R = Outcome.Result
C = Outcome.Checkpoint

START, END = date(2022, 1, 1), date(2022, 12, 31)
PERIOD = Period(START, END)
BEFORE, AFTER = START - timedelta(days=1), END + timedelta(days=1)
URL = "/admin/casework/statistics/evaluation/"
QUERY = {"start": "2022-01-01", "end": "2022-12-31"}

_numbers = iter(range(1, 1_000_000))


def group(code):
    return TargetGroup.objects.get(code=code)


def make_case(municipality, target_group="jobready_cash_benefit", outcomes=(), **milestones):
    """A case with only what the evaluation reads: milestones, target group
    and outcomes ``[(checkpoint, result, recorded_on)]``."""
    case = Case.objects.create(
        municipality=municipality, reference=f"T-{next(_numbers):05d}",
        target_group=group(target_group) if target_group else None, **milestones)
    for checkpoint, result, recorded_on in outcomes:
        Outcome.objects.create(case=case, checkpoint=checkpoint, result=result, recorded_on=recorded_on)
    return case


def figures(report):
    return (report.courses, report.loans, report.self_sufficient, report.referred_ordinary_effort)


def rows(report):
    return [(row.target_group, row.courses, row.loans) for row in report.by_target_group]


# --- The definitions --------------------------------------------------------------------------


def test_courses_and_loans_count_both_ends_of_the_period_and_nothing_outside(nordby):
    for day in (START, END, date(2022, 6, 15)):
        make_case(nordby, course_started_on=day)
    for day in (BEFORE, AFTER):
        make_case(nordby, course_started_on=day)
    for day in (START, END):
        make_case(nordby, course_started_on=BEFORE, loan_granted_on=day)
    for day in (BEFORE, AFTER):
        make_case(nordby, course_started_on=BEFORE - timedelta(days=200), loan_granted_on=day)
    report = evaluation_report(nordby, PERIOD)
    assert (report.courses, report.loans) == (3, 2)
    # One day periods at each end see exactly that day.
    assert evaluation_report(nordby, Period(START, START)).courses == 1
    assert evaluation_report(nordby, Period(END, END)).courses == 1
    assert evaluation_report(nordby, Period(START, START)).loans == 1


def test_self_sufficient_is_the_latest_outcome_on_or_before_the_end(nordby):
    loan = {"course_started_on": date(2021, 9, 1), "loan_granted_on": date(2022, 3, 1)}
    counted = [
        make_case(nordby, outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, date(2022, 9, 1))], **loan),
        # Employment counts too ("the double effect"), also recorded on the last day.
        make_case(nordby, outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_EMPLOYMENT, END)], **loan),
        # A later outcome after the end date is ignored.
        make_case(nordby, outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, date(2022, 9, 1)),
                                    (C.MONTHS_12, R.PUBLIC_SUPPORT, AFTER)], **loan),
        # Same day: the later checkpoint wins.
        make_case(nordby, outcomes=[(C.MONTHS_6, R.PUBLIC_SUPPORT, date(2022, 9, 1)),
                                    (C.MONTHS_12, R.SELF_SUFFICIENT_BUSINESS, date(2022, 9, 1))], **loan),
    ]
    not_counted = [
        # A later outcome before the end date wins over an earlier self-sufficient one.
        make_case(nordby, outcomes=[(C.COURSE_END, R.SELF_SUFFICIENT_BUSINESS, date(2022, 4, 1)),
                                    (C.MONTHS_6, R.PUBLIC_SUPPORT, date(2022, 10, 1))], **loan),
        # Self-sufficient only after the end date.
        make_case(nordby, outcomes=[(C.MONTHS_6, R.PUBLIC_SUPPORT, date(2022, 9, 1)),
                                    (C.MONTHS_12, R.SELF_SUFFICIENT_BUSINESS, AFTER)], **loan),
        # Business and small jobs is not one of the two.
        make_case(nordby, outcomes=[(C.MONTHS_6, R.BUSINESS_AND_SMALL_JOBS, date(2022, 9, 1))], **loan),
        make_case(nordby, outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_EMPLOYMENT, date(2022, 9, 1)),
                                    (C.MONTHS_12, R.EDUCATION, date(2022, 9, 1))], **loan),
        make_case(nordby, **loan),  # no outcome at all
        # Self-sufficient, but the loan was granted outside the period.
        make_case(nordby, course_started_on=date(2021, 1, 1), loan_granted_on=BEFORE,
                  outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, date(2022, 6, 1))]),
    ]
    report = evaluation_report(nordby, PERIOD)
    assert report.loans == len(counted) + len(not_counted) - 1
    assert report.self_sufficient == len(counted)


def test_referred_are_courses_without_a_loan_by_the_end_date(nordby):
    in_period = date(2022, 3, 1)
    make_case(nordby, course_started_on=in_period, referred_ordinary_effort_on=END)  # counts
    make_case(nordby, course_started_on=in_period, loan_granted_on=AFTER,
              referred_ordinary_effort_on=date(2022, 10, 1))  # loan only after the end: counts
    make_case(nordby, course_started_on=in_period, referred_ordinary_effort_on=AFTER)  # referred too late
    make_case(nordby, course_started_on=in_period, loan_granted_on=date(2022, 9, 1),
              referred_ordinary_effort_on=date(2022, 10, 1))  # had a loan
    make_case(nordby, course_started_on=in_period)  # not referred
    make_case(nordby, course_started_on=BEFORE, referred_ordinary_effort_on=date(2022, 2, 1))  # not a course of the period
    make_case(nordby, course_started_on=in_period,
              referred_ordinary_effort_on=date(2022, 1, 20))  # referred at the screening, admitted after all
    report = evaluation_report(nordby, PERIOD)
    assert (report.courses, report.loans, report.referred_ordinary_effort) == (6, 1, 2)


def test_target_groups_in_their_order_with_unknown_last_and_empty_groups_left_out(nordby):
    TargetGroup.objects.filter(code="activity_ready").update(sort_order=0)  # now first
    make_case(nordby, "jobready_cash_benefit", course_started_on=START, loan_granted_on=END)
    make_case(nordby, "jobready_cash_benefit", course_started_on=END)
    make_case(nordby, "activity_ready", course_started_on=date(2022, 5, 1))
    make_case(nordby, None, course_started_on=date(2022, 5, 1), loan_granted_on=date(2022, 11, 1))
    make_case(nordby, "rehabilitation", course_started_on=BEFORE)  # outside: no row
    report = evaluation_report(nordby, PERIOD)
    assert rows(report) == [("activity_ready", 1, 0), ("jobready_cash_benefit", 2, 1), ("unknown", 1, 1)]
    assert report.by_target_group[0].label("da") == "Aktivitetsparat modtager"
    assert report.by_target_group[0].label("en") == "Activity-ready recipient"
    assert report.by_target_group[-1].label("da") == "Ikke oplyst"
    assert (report.total.courses, report.total.loans) == (report.courses, report.loans) == (4, 2)


def test_only_the_municipalitys_cases_imported_and_anonymised_alike(nordby, sydby):
    make_case(nordby, course_started_on=START)
    make_case(nordby, course_started_on=START, imported=True)
    make_case(nordby, course_started_on=START, loan_granted_on=END, status=Case.Status.ANONYMISED,
              anonymised_at=timezone.now(),
              outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, END)])
    make_case(sydby, course_started_on=START, loan_granted_on=END)
    assert figures(evaluation_report(nordby, PERIOD)) == (3, 1, 1, 0)
    assert figures(evaluation_report(sydby, PERIOD)) == (1, 1, 0, 0)


def test_anonymising_keeps_the_milestones_and_outcomes(nordby):
    from backoffice.services.retention import anonymise_case

    case = make_case(nordby, course_started_on=START, loan_granted_on=date(2022, 2, 1),
                     referred_ordinary_effort_on=None, status=Case.Status.CLOSED, closed_at=timezone.now(),
                     outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_EMPLOYMENT, date(2022, 8, 1))])
    before = figures(evaluation_report(nordby, PERIOD))
    anonymise_case(case)
    case.refresh_from_db()
    assert case.status == Case.Status.ANONYMISED
    assert figures(evaluation_report(nordby, PERIOD)) == before == (1, 1, 1, 0)


def test_an_empty_period_and_a_municipality_without_cases(nordby, make_municipality):
    make_case(nordby, course_started_on=date(2021, 5, 1), loan_granted_on=date(2021, 11, 1))
    empty = evaluation_report(nordby, PERIOD)
    assert figures(empty) == (0, 0, 0, 0) and empty.by_target_group == [] and empty.is_empty
    assert (empty.total.courses, empty.total.loans) == (0, 0)
    nothing = evaluation_report(make_municipality("Tomby"), PERIOD)
    assert figures(nothing) == (0, 0, 0, 0) and nothing.by_target_group == []


def _many(municipality, n):
    codes = ["jobready_cash_benefit", "activity_ready", None]
    for i in range(n):
        make_case(municipality, codes[i % 3], course_started_on=date(2022, 1 + i % 12, 1),
                  loan_granted_on=date(2022, 12, 1) if i % 2 else None,
                  referred_ordinary_effort_on=None if i % 2 else END,
                  outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, date(2022, 12, 2))] if i % 4 == 1 else [])


@pytest.mark.parametrize("n", [1, 30])
def test_the_report_takes_two_queries_whatever_the_number_of_cases(nordby, n, django_assert_num_queries):
    _many(nordby, n)
    with django_assert_num_queries(2):
        report = evaluation_report(nordby, PERIOD)
    assert report.courses == n
    assert report.self_sufficient == (n + 2) // 4


# --- The command ------------------------------------------------------------------------------


@pytest.fixture
def form_cases(nordby, sydby):
    """Nordby: 3 courses (2 jobready, 1 education-ready), 2 loans (one
    self-sufficient), 1 referred; one case without a target group.
    Sydby has a case in the same period that must never show."""
    make_case(nordby, "jobready_cash_benefit", course_started_on=START, loan_granted_on=date(2022, 6, 1),
              outcomes=[(C.MONTHS_6, R.SELF_SUFFICIENT_BUSINESS, date(2022, 12, 1))])
    make_case(nordby, "jobready_cash_benefit", course_started_on=date(2022, 2, 1),
              referred_ordinary_effort_on=date(2022, 8, 1))
    make_case(nordby, "education_ready_education_benefit", course_started_on=END)
    make_case(nordby, None, course_started_on=date(2021, 6, 1), loan_granted_on=date(2022, 1, 15))
    for _ in range(7):
        make_case(sydby, "sickness_benefit", course_started_on=date(2022, 5, 1))


def run(*args):
    out = io.StringIO()
    call_command("evaluation_report", *args, stdout=out)
    return out.getvalue()


def test_json_is_exactly_the_issues_form(form_cases):
    output = run("--municipality", "nordby", "--start", "2022-01-01", "--end", "2022-12-31", "--format", "json")
    data = json.loads(output)
    assert data == {
        "municipality": "nordby", "start": "2022-01-01", "end": "2022-12-31",
        "courses": 3, "loans": 2, "self_sufficient": 1, "referred_ordinary_effort": 1,
        "by_target_group": [
            {"target_group": "jobready_cash_benefit", "label": "Jobparat kontanthjælpsmodtager",
             "courses": 2, "loans": 1},
            {"target_group": "education_ready_education_benefit",
             "label": "Uddannelsesparat uddannelseshjælpsmodtager", "courses": 1, "loans": 0},
            {"target_group": "unknown", "label": "Ikke oplyst", "courses": 0, "loans": 1},
        ],
    }
    assert list(data) == ["municipality", "start", "end", "courses", "loans", "self_sufficient",
                          "referred_ordinary_effort", "by_target_group"]
    assert all(list(row) == ["target_group", "label", "courses", "loans"] for row in data["by_target_group"])
    assert all(type(data[key]) is int for key in ("courses", "loans", "self_sufficient",
                                                  "referred_ordinary_effort"))
    english = json.loads(run("--municipality", "nordby", "--start", "2022-01-01", "--end", "2022-12-31",
                             "--format", "json", "--language", "en"))
    assert [row["label"] for row in english["by_target_group"]] == [
        "Job-ready cash-benefit recipient", "Education-ready education-benefit recipient", "Not stated"]


def test_text_prints_the_headline_and_the_forms_table(form_cases):
    output = run("--municipality", "nordby", "--start", "2022-01-01", "--end", "2022-12-31")
    assert "Evalueringsrapport – Nordby Kommune" in output
    flat = " ".join(output.split())
    assert ("I perioden fra 1. januar 2022 til 31. december 2022 er der påbegyndt 3 vejlednings- og "
            "opkvalificeringsforløb. Der er bevilget mikrolån til 2 borgere. 1 borger, der deltog i forløbet, "
            "men ikke fik bevilget mikrolån, er henvist til en almindelig beskæftigelsesrettet indsats. "
            "Af de 2 borgere, der har fået mikrolån, er 1 blevet selvforsørgende.") in flat
    table = [line.split("  ") for line in output.splitlines() if line.startswith(("Målgruppe", "Jobparat",
                                                                                  "Uddannelsesparat", "Ikke",
                                                                                  "I alt"))]
    assert [[cell.strip() for cell in line if cell.strip()] for line in table] == [
        ["Målgruppe", "Vejledning og opkvalificering", "Mikrolån"],
        ["Jobparat kontanthjælpsmodtager", "2", "1"],
        ["Uddannelsesparat uddannelseshjælpsmodtager", "1", "0"],
        ["Ikke oplyst", "0", "1"],
        ["I alt", "3", "2"],
    ]
    assert "Definitioner" in output


def test_csv_is_the_table_with_a_header_row(form_cases):
    output = run("--municipality", "nordby", "--start", "2022-01-01", "--end", "2022-12-31", "--format", "csv")
    assert list(csv.reader(io.StringIO(output))) == [
        ["Målgruppe", "Vejledning og opkvalificering", "Mikrolån"],
        ["Jobparat kontanthjælpsmodtager", "2", "1"],
        ["Uddannelsesparat uddannelseshjælpsmodtager", "1", "0"],
        ["Ikke oplyst", "0", "1"],
        ["I alt", "3", "2"],
    ]
    english = run("--municipality", "nordby", "--start", "2022-01-01", "--end", "2022-12-31", "--format", "csv",
                  "--language", "en")
    assert english.splitlines()[0] == "Target group,Guidance and upskilling,Micro-loan"
    assert english.splitlines()[-1] == "Total,3,2"


def test_an_empty_period_prints_zeros(nordby):
    data = json.loads(run("--municipality", "nordby", "--start", "2030-01-01", "--end", "2030-01-01",
                          "--format", "json"))
    assert data["courses"] == data["loans"] == 0 and data["by_target_group"] == []
    assert "I alt" in run("--municipality", "nordby", "--start", "2030-01-01", "--end", "2030-01-01")


@pytest.mark.parametrize("args, message", [
    (["--municipality", "nowhere", "--start", "2022-01-01", "--end", "2022-12-31"], "No municipality"),
    (["--municipality", "nordby", "--start", "2022-13-01", "--end", "2022-12-31"], "not a real date"),
    (["--municipality", "nordby", "--start", "1/1/2022", "--end", "2022-12-31"], "YYYY-MM-DD"),
    (["--municipality", "nordby", "--start", "2022-01-01", "--end", "20221231"], "YYYY-MM-DD"),
    (["--municipality", "nordby", "--start", "2022-12-31", "--end", "2022-01-01"], "before --start"),
])
def test_clear_errors(nordby, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


# --- The admin page ---------------------------------------------------------------------------


def login(client, email):
    client.force_login(User.objects.get(email=email))
    return client


@pytest.mark.parametrize("email", ["koordinator@nordby.example", "styregruppe@nordby.example"])
def test_coordinator_and_steering_group_see_their_figures(client, form_cases, email):
    login(client, email)
    response = client.get(URL, {**QUERY, "municipality": "sydby"})  # the picker is the superuser's only
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nordby Kommune" in html and "Sydby" not in html.split('id="main"')[1]
    assert "er der påbegyndt 3 vejlednings- og opkvalificeringsforløb" in html
    assert "Der er bevilget mikrolån til 2 borgere." in html
    assert "Sygedagpengemodtager" not in html  # sydby's only group
    # Table with total row, chart with its text alternative, the definitions.
    assert '<th scope="row">Jobparat kontanthjælpsmodtager</th><td class="evaluation__number">2</td>' in html
    assert '<th scope="row">I alt</th><td class="evaluation__number">3</td><td class="evaluation__number">2</td>' in html
    assert 'role="img"' in html and 'aria-labelledby="evaluation-chart-title evaluation-chart-desc"' in html
    assert "Jobparat kontanthjælpsmodtager: 2 forløb, 1 mikrolån" in html
    assert "Definitioner" in html and "Både første og sidste dag tæller med." in html
    assert 'width="440.0"' in html  # SVG numbers are not written the Danish way ("440,0")
    # No personal data: the case references are nowhere.
    assert "T-0" not in html


def test_sydby_staff_never_see_nordby(client, form_cases):
    login(client, "styregruppe@sydby.example")
    html = client.get(URL, {**QUERY, "municipality": "nordby"}).content.decode()
    assert "Sydby Kommune" in html and "Nordby Kommune" not in html
    assert "er der påbegyndt 7 vejlednings- og opkvalificeringsforløb" in html
    assert "Jobparat" not in html
    export = client.get(URL, {**QUERY, "municipality": "nordby", "export": "csv"})
    assert export["Content-Disposition"] == 'attachment; filename="evaluering-sydby-2022-01-01-2022-12-31.csv"'
    assert "Jobparat" not in export.content.decode("utf-8-sig")


def test_the_superuser_picks_the_municipality(client, form_cases):
    login(client, "admin@mikrolaan.example")
    html = client.get(URL, {**QUERY, "municipality": "sydby"}).content.decode()
    assert "påbegyndt 7 vejlednings" in html and '<option value="sydby" selected>' in html
    html = client.get(URL, {**QUERY, "municipality": "nordby"}).content.decode()
    assert "påbegyndt 3 vejlednings" in html


@pytest.mark.parametrize("email", ["sagsbehandler@nordby.example", "redaktoer@nordby.example",
                                   "erhvervskonsulent@nordby.example"])
def test_other_roles_are_refused(client, form_cases, email):
    login(client, email)
    for params in (QUERY, {**QUERY, "export": "pdf"}, {**QUERY, "export": "csv"}):
        response = client.get(URL, params)
        # Wagtail answers a PermissionDenied in the admin with a redirect home and a message.
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home")
        assert b"Jobparat" not in response.content


def test_anonymous_visitors_are_sent_to_sign_in(client, form_cases):
    response = client.get(URL, QUERY)
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.get(URL, {**QUERY, "export": "csv"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_empty_period_shows_zeros_and_says_so(client, form_cases):
    login(client, "koordinator@nordby.example")
    html = client.get(URL, {"start": "2030-01-01", "end": "2030-12-31"}).content.decode()
    assert "påbegyndt 0 vejlednings- og opkvalificeringsforløb" in html
    assert html.count("Ingen forløb og ingen mikrolån i perioden.") == 3  # chart text, caption, table
    assert '<th scope="row">I alt</th><td class="evaluation__number">0</td>' in html
    pdf = client.get(URL, {"start": "2030-01-01", "end": "2030-12-31", "export": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_invalid_period_shows_the_error_and_downloads_nothing(client, form_cases):
    login(client, "koordinator@nordby.example")
    response = client.get(URL, {"start": "2022-12-31", "end": "2022-01-01", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert 'class="error-message"' in response.content.decode()
    assert client.get(URL, {**QUERY, "export": "doc"}).status_code == 400


def test_csv_export(client, form_cases):
    login(client, "styregruppe@nordby.example")
    response = client.get(URL, {**QUERY, "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="evaluering-nordby-2022-01-01-2022-12-31.csv"'
    assert response.content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        ["Målgruppe", "Vejledning og opkvalificering", "Mikrolån"],
        ["Jobparat kontanthjælpsmodtager", "2", "1"],
        ["Uddannelsesparat uddannelseshjælpsmodtager", "1", "0"],
        ["Ikke oplyst", "0", "1"],
        ["I alt", "3", "2"],
    ]


def test_xlsx_export(client, form_cases):
    login(client, "koordinator@nordby.example")
    response = client.get(URL, {**QUERY, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evaluering-nordby-2022-01-01-2022-12-31.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Evaluering", "Nøgletal"]
    assert [list(row) for row in workbook["Evaluering"].iter_rows(values_only=True)] == [
        ["Målgruppe", "Vejledning og opkvalificering", "Mikrolån"],
        ["Jobparat kontanthjælpsmodtager", 2, 1],
        ["Uddannelsesparat uddannelseshjælpsmodtager", 1, 0],
        ["Ikke oplyst", 0, 1],
        ["I alt", 3, 2],
    ]
    assert [list(row) for row in workbook["Nøgletal"].iter_rows(values_only=True)] == [
        ["Nøgletal", "Antal"],
        ["Vejlednings- og opkvalificeringsforløb", 3],
        ["Mikrolån", 2],
        ["Selvforsørgende", 1],
        ["Henvist til almindelig beskæftigelsesrettet indsats", 1],
    ]


def test_pdf_export_is_ready_for_the_evaluation_form(client, form_cases):
    login(client, "styregruppe@nordby.example")
    response = client.get(URL, {**QUERY, "export": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="evaluering-nordby-2022-01-01-2022-12-31.pdf"'
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
    for expected in (
        "Evalueringsrapport: mikrolån", "Nordby Kommune", "1. januar 2022 til 31. december 2022",
        "er der påbegyndt 3 vejlednings- og opkvalificeringsforløb", "Der er bevilget mikrolån til 2 borgere",
        "Af de 2 borgere, der har fået mikrolån, er 1 blevet selvforsørgende",
        "Jobparat kontanthjælpsmodtager 2 1", "Ikke oplyst 0 1", "I alt 3 2", "Definitioner",
        f"Lavet den {timezone.localdate().day}.",
    ):
        assert expected in text, expected
    assert "Sygedagpengemodtager" not in text and "T-0" not in text


def test_the_page_and_exports_take_the_same_queries_for_1_and_30_cases(client, nordby):
    login(client, "styregruppe@nordby.example")

    def count_queries():
        counts = {}
        for export in (None, "csv", "xlsx", "pdf"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL, {**QUERY, **({"export": export} if export else {})})
            assert response.status_code == 200
            counts[export] = len(queries)
        return counts

    _many(nordby, 1)
    one = count_queries()
    _many(nordby, 29)
    thirty = count_queries()
    assert one == thirty
    assert "påbegyndt 30 vejlednings" in client.get(URL, QUERY).content.decode()


# --- The export helpers ------------------------------------------------------------------------


def test_export_helpers_neutralise_formulas_and_name_files(nordby):
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("-5") == "'-5" and safe_cell(-5) == -5
    assert csv_text(["a", "b"], [["=1+1", None], [date(2022, 1, 2), 3]]) == "a,b\r\n'=1+1,\r\n2022-01-02,3\r\n"
    assert export_filename("evaluering", nordby, PERIOD, "pdf") == "evaluering-nordby-2022-01-01-2022-12-31.pdf"
