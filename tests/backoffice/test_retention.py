"""Retention: drafts never sent are deleted with their files, old closed
cases are anonymised (personal data and files gone, statistics kept), per
municipality and as its policy says; the command, the task, and the
coordinator's screen for the policy."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import translation
from wagtail.models import ModelLogEntry

from backoffice.models import (
    AccessLogEntry,
    Assessment,
    Business,
    BusinessAccount,
    Case,
    CaseApplication,
    Decision,
    Document,
    InformationRequest,
    JournalNote,
    Loan,
    Message,
    RetentionPolicy,
    ScreeningTalk,
)
from backoffice.models.retention import years_before
from backoffice.services import retention
from backoffice.services.retention import REDACTED, anonymise_case, apply_retention, run_retention
from portal.models import ApplicationDraft, DraftDocument

from .staff_cases import FULL_CPR, add_document, open_case

User = get_user_model()
S = Case.Status
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=CPH)
NOTE = "Borgeren fortalte i telefonen om sin diagnose"


def _user(email):
    return User.objects.get(email=email)


@pytest.fixture
def caseworker(nordby):
    return _user("sagsbehandler@nordby.example")


@pytest.fixture
def citizen(nordby):
    return _user("borger@nordby.example")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """apply_retention at NOW, with the after-commit file deletion run."""
    def run_(municipality=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return apply_retention(municipality, now=NOW, **kwargs)

    return run_


def closed_case(municipality, *, closed_at, caseworker, citizen=None, loan=False, status=S.CLOSED):
    """A case with everything a real one collects, then closed at ``closed_at``."""
    case = open_case(municipality, citizen=citizen, address="Storegade 1", phone="12345678")
    plan = add_document(case)
    letter = add_document(case, name="afgoerelse.pdf", kind=Document.Kind.DECISION_LETTER)
    AccessLogEntry.objects.create(user=caseworker, case=case, document=plan, action="download_document")
    Message.objects.create(case=case, sender=citizen, body="Jeg er syg i denne uge")
    Message.objects.create(case=case, sender=caseworker, from_staff=True, body="God bedring")
    JournalNote.objects.create(case=case, author=caseworker, body=NOTE)
    InformationRequest.objects.create(case=case, question="Send din gældsoversigt", due_on=NOW.date(),
                                      answered_at=NOW, answer_text="Jeg skylder 12.000 kr.",
                                      created_by=caseworker)
    ScreeningTalk.objects.create(case=case, starts_at=NOW, ends_at=NOW + dt.timedelta(hours=1),
                                 location="Jobcentret, lokale 3", outcome_notes="Virker motiveret")
    Assessment.objects.create(case=case, role=Assessment.Role.CASEWORKER, assessor=caseworker,
                              competences_rating=3, competences_reason="Har været frisør i 10 år",
                              health_rating=None, submitted_at=NOW)
    Decision.objects.create(case=case, kind=Decision.Kind.REFER_TO_ORDINARY_EFFORT,
                            status=Decision.Status.FINAL, reason="Din helbredssituation gør det svært",
                            appeal_guidance="Klag inden 4 uger", consultation_reply="Jeg er uenig",
                            decided_by=caseworker, decided_at=NOW, letter=letter)
    if loan:
        Loan.objects.create(case=case, principal_ore=4_000_000, annual_interest_rate=0, grace_months=12,
                            repayment_months=48, granted_on=closed_at.date(), granted_by=caseworker)
        business = Business.objects.create(case=case, name="Hansens Systue", cvr_number="", industry="Syning")
        BusinessAccount.objects.create(business=business, bank_name="Nordbanken", registration_number="1234",
                                       account_number="0012345678", notes="Banken ville se budget")
    Case.objects.filter(pk=case.pk).update(status=status, closed_at=closed_at if status == S.CLOSED else None,
                                           status_changed_at=closed_at)
    case.refresh_from_db()
    return case


def draft_with_file(citizen, municipality, *, last_saved, status=ApplicationDraft.Status.DRAFT, case=None):
    draft = ApplicationDraft.objects.create(
        citizen=citizen, municipality=municipality, status=status, case=case,
        answers={"full_name": "Bo Borger", "cpr_number": FULL_CPR})
    document = DraftDocument(draft=draft, kind=DraftDocument.Kind.BUSINESS_PLAN, original_name="plan.pdf",
                             content_type="application/pdf", size=3, sha256="0" * 64, scan_status="clean")
    document.file.save("upload", ContentFile(b"pdf"), save=False)
    document.save()
    ApplicationDraft.objects.filter(pk=draft.pk).update(updated_at=last_saved)  # auto_now otherwise
    return draft, document.file.name


def exists(name):
    return Document.file.field.storage.exists(name)


# --- The policy -------------------------------------------------------------------------------------


def test_every_demo_municipality_has_the_default_policy(demo):
    for municipality in demo.values():
        policy = RetentionPolicy.objects.get(municipality=municipality)
        assert (policy.draft_retention_days, policy.anonymise_rejected_after_years,
                policy.anonymise_closed_after_years) == (90, 5, 5)


def test_loan_cases_are_kept_five_years_after_the_end_of_the_financial_year(nordby):
    policy = RetentionPolicy(municipality=nordby)
    assert policy.loan_cases_cutoff(NOW) == dt.datetime(2021, 1, 1, tzinfo=CPH)
    assert policy.cases_without_money_cutoff(NOW) == dt.datetime(2021, 6, 15, 12, tzinfo=CPH)
    assert policy.drafts_cutoff(NOW) == NOW - dt.timedelta(days=90)
    assert years_before(dt.datetime(2024, 2, 29, tzinfo=CPH), 1) == dt.datetime(2023, 2, 28, tzinfo=CPH)


def test_a_municipality_without_a_policy_gets_the_defaults_saved(nordby, run):
    RetentionPolicy.objects.filter(municipality=nordby).delete()
    run("nordby", dry_run=True)
    assert not RetentionPolicy.objects.filter(municipality=nordby).exists()  # a dry run writes nothing
    run("nordby")
    assert RetentionPolicy.objects.get(municipality=nordby).draft_retention_days == 90


# --- Drafts ---------------------------------------------------------------------------------------


def test_unsent_drafts_older_than_the_policy_are_deleted_with_their_files(nordby, citizen, caseworker, run):
    old, old_file = draft_with_file(citizen, nordby, last_saved=NOW - dt.timedelta(days=91))
    recent, recent_file = draft_with_file(citizen, nordby, last_saved=NOW - dt.timedelta(days=89))
    case = open_case(nordby, citizen=citizen)
    sent, sent_file = draft_with_file(citizen, nordby, last_saved=NOW - dt.timedelta(days=400),
                                      status=ApplicationDraft.Status.SUBMITTED, case=case)

    counts = run("nordby")["nordby"]

    assert counts["drafts_deleted"] == 1 and counts["draft_files_deleted"] == 1
    assert not ApplicationDraft.objects.filter(pk=old.pk).exists()
    assert not DraftDocument.objects.filter(draft_id=old.pk).exists()
    assert not exists(old_file)
    assert ApplicationDraft.objects.filter(pk__in=[recent.pk, sent.pk]).count() == 2  # newer, and sent
    assert exists(recent_file) and exists(sent_file)


def test_a_file_a_case_took_over_from_a_draft_is_never_deleted_with_the_draft(nordby, citizen, run):
    draft, name = draft_with_file(citizen, nordby, last_saved=NOW - dt.timedelta(days=200))
    case = open_case(nordby, citizen=citizen)
    Document.objects.create(case=case, kind=Document.Kind.BUSINESS_PLAN, file=name)
    assert run("nordby")["nordby"]["draft_files_deleted"] == 0
    assert not ApplicationDraft.objects.filter(pk=draft.pk).exists()
    assert exists(name)


# --- Anonymising ------------------------------------------------------------------------------------


def test_an_old_closed_case_without_a_loan_is_anonymised(nordby, citizen, caseworker, run):
    case = closed_case(nordby, closed_at=NOW - dt.timedelta(days=5 * 366), caseworker=caseworker,
                       citizen=citizen)
    sent_draft, _ = draft_with_file(citizen, nordby, last_saved=NOW, status=ApplicationDraft.Status.SUBMITTED,
                                    case=case)
    files = list(case.documents.values_list("file", flat=True))
    reference, target_group_id, received_on = case.reference, case.target_group_id, case.received_on

    counts = run("nordby")["nordby"]

    assert counts["cases_anonymised"] == 1 and counts["documents_deleted"] == 2
    case.refresh_from_db()
    assert case.status == S.ANONYMISED and case.anonymised_at == NOW
    assert case.citizen_id is None and case.submission_key is None
    # Statistics stay.
    kept = (case.reference, case.target_group_id, case.received_on)
    assert kept == (reference, target_group_id, received_on)
    application = CaseApplication.objects.get(case=case)
    assert application.full_name == application.cpr_number == application.address == application.email == ""
    assert application.phone == application.business_idea == ""
    assert application.requested_amount_dkk == 40000
    # Documents: rows and files.
    assert not Document.objects.filter(case=case).exists()
    assert not any(exists(name) for name in files)
    # The read stays logged.
    assert AccessLogEntry.objects.filter(case=case, document__isnull=True).count() == 1
    # Texts.
    assert set(Message.objects.filter(case=case).values_list("body", flat=True)) == {""}
    assert not Message.objects.filter(case=case, sender=citizen).exists()
    assert not JournalNote.objects.filter(case=case).exists()
    request = InformationRequest.objects.get(case=case)
    assert request.question == request.answer_text == "" and request.answered_at == NOW
    talk = ScreeningTalk.objects.get(case=case)
    assert talk.location == talk.outcome_notes == ""
    assessment = Assessment.objects.get(case=case)
    assert assessment.competences_rating == 3 and assessment.competences_reason == REDACTED
    assert assessment.health_reason == ""
    decision = Decision.objects.get(case=case)
    assert decision.reason == REDACTED and decision.consultation_reply == "" and decision.letter_id is None
    assert decision.appeal_guidance == "Klag inden 4 uger" and decision.status == Decision.Status.FINAL
    # The portal's copy of the application is gone too.
    assert not ApplicationDraft.objects.filter(pk=sent_draft.pk).exists()
    # The audit entry: by the system, on the case, without personal data.
    entry = ModelLogEntry.objects.filter(object_id=str(case.pk), action=retention.ANONYMISED_ACTION).get()
    assert entry.user_id is None
    assert entry.data["reason"] == "retention" and entry.data["rule"] == retention.RULE_WITHOUT_LOAN
    assert entry.data["from"] == "closed" and entry.data["to"] == "anonymised"
    assert FULL_CPR not in str(entry.data) and "Amina" not in str(entry.data) and "Amina" not in entry.label
    with translation.override("en"):
        assert str(entry.message) == "Case anonymised by the retention policy"


def test_recent_closed_and_open_cases_are_never_touched(nordby, caseworker, run):
    recent = closed_case(nordby, closed_at=NOW - dt.timedelta(days=4 * 365), caseworker=caseworker)
    old_open = closed_case(nordby, closed_at=NOW - dt.timedelta(days=10 * 365), caseworker=caseworker,
                           status=S.SCREENING)
    old_withdrawn = closed_case(nordby, closed_at=NOW - dt.timedelta(days=10 * 365), caseworker=caseworker,
                                status=S.WITHDRAWN)

    assert run("nordby")["nordby"]["cases_anonymised"] == 0

    for case in (recent, old_open, old_withdrawn):
        assert CaseApplication.objects.get(case=case).cpr_number == FULL_CPR
        assert Document.objects.filter(case=case).count() == 2
        assert JournalNote.objects.get(case=case).body == NOTE


def test_loan_cases_follow_the_bookkeeping_rule(nordby, caseworker, run):
    # Closed in 2021: kept through 2026 (five years after the financial year 2021).
    kept = closed_case(nordby, closed_at=dt.datetime(2021, 3, 1, tzinfo=CPH), caseworker=caseworker,
                       loan=True)
    # The same closing date without a loan: more than five years ago, so anonymised.
    without_loan = closed_case(nordby, closed_at=dt.datetime(2021, 3, 1, tzinfo=CPH), caseworker=caseworker)
    # Closed in 2020: its five years ended with 2025.
    due = closed_case(nordby, closed_at=dt.datetime(2020, 12, 31, 23, tzinfo=CPH), caseworker=caseworker,
                      loan=True)

    counts = run("nordby")["nordby"]

    assert (counts["loan_cases_anonymised"], counts["cases_anonymised"]) == (1, 1)
    statuses = dict(
        Case.objects.filter(pk__in=[kept.pk, without_loan.pk, due.pk]).values_list("pk", "status"))
    assert statuses == {kept.pk: S.CLOSED, without_loan.pk: S.ANONYMISED, due.pk: S.ANONYMISED}
    # The loan itself stays (amounts for the accounts and statistics); who it was does not.
    assert Loan.objects.get(case=due).principal_ore == 4_000_000
    business = Business.objects.get(case=due)
    assert business.name == REDACTED and business.industry == ""
    account = BusinessAccount.objects.get(business=business)
    assert account.account_number == account.registration_number == account.notes == ""
    assert account.bank_name == "Nordbanken"
    entry = ModelLogEntry.objects.get(object_id=str(due.pk), action=retention.ANONYMISED_ACTION)
    assert entry.data["rule"] == retention.RULE_LOAN and entry.data["years"] == 5


def test_the_policy_decides_the_periods(nordby, caseworker, run):
    case = closed_case(nordby, closed_at=NOW - dt.timedelta(days=2 * 366), caseworker=caseworker)
    assert run("nordby")["nordby"]["cases_anonymised"] == 0
    RetentionPolicy.objects.filter(municipality=nordby).update(anonymise_rejected_after_years=2)
    assert run("nordby")["nordby"]["cases_anonymised"] == 1
    assert Case.objects.get(pk=case.pk).status == S.ANONYMISED


def test_other_municipalities_are_untouched_when_one_is_named(nordby, sydby, citizen, caseworker, run):
    theirs = closed_case(sydby, closed_at=NOW - dt.timedelta(days=3000), caseworker=caseworker)
    their_draft, their_file = draft_with_file(citizen, sydby, last_saved=NOW - dt.timedelta(days=1000))
    ours = closed_case(nordby, closed_at=NOW - dt.timedelta(days=3000), caseworker=caseworker)

    assert list(run("nordby")) == ["nordby"]

    assert Case.objects.get(pk=ours.pk).status == S.ANONYMISED
    assert Case.objects.get(pk=theirs.pk).status == S.CLOSED
    assert CaseApplication.objects.get(case=theirs).cpr_number == FULL_CPR
    assert ApplicationDraft.objects.filter(pk=their_draft.pk).exists() and exists(their_file)

    assert run()["sydby"]["cases_anonymised"] == 1  # all municipalities


def test_a_dry_run_counts_and_changes_nothing(nordby, citizen, caseworker, run):
    case = closed_case(nordby, closed_at=NOW - dt.timedelta(days=3000), caseworker=caseworker)
    draft, name = draft_with_file(citizen, nordby, last_saved=NOW - dt.timedelta(days=100))
    files = list(case.documents.values_list("file", flat=True))

    counts = run("nordby", dry_run=True)["nordby"]

    assert counts == {"drafts_deleted": 1, "draft_files_deleted": 1, "cases_anonymised": 1,
                      "loan_cases_anonymised": 0, "documents_deleted": 2, "cases_skipped": 0}
    case.refresh_from_db()
    assert case.status == S.CLOSED and CaseApplication.objects.get(case=case).cpr_number == FULL_CPR
    assert ApplicationDraft.objects.filter(pk=draft.pk).exists() and exists(name)
    assert all(exists(f) for f in files) and Document.objects.filter(case=case).count() == 2
    assert not ModelLogEntry.objects.filter(action=retention.ANONYMISED_ACTION).exists()


def test_a_second_run_finds_nothing_more(nordby, citizen, caseworker, run):
    closed_case(nordby, closed_at=NOW - dt.timedelta(days=3000), caseworker=caseworker)
    draft_with_file(citizen, nordby, last_saved=NOW - dt.timedelta(days=100))
    first = run("nordby")["nordby"]
    assert first["cases_anonymised"] == 1 and first["drafts_deleted"] == 1
    assert set(run("nordby")["nordby"].values()) == {0}
    assert ModelLogEntry.objects.filter(action=retention.ANONYMISED_ACTION).count() == 1


def test_a_case_reopened_since_it_was_selected_is_skipped(nordby, caseworker, run, monkeypatch):
    case = closed_case(nordby, closed_at=NOW - dt.timedelta(days=3000), caseworker=caseworker)
    real_anonymise = retention.anonymise_case

    def reopened_meanwhile(selected, **kwargs):
        Case.objects.filter(pk=selected.pk).update(status=S.WITHDRAWN)  # someone else, after the selection
        return real_anonymise(selected, **kwargs)

    monkeypatch.setattr(retention, "anonymise_case", reopened_meanwhile)
    counts = run("nordby")["nordby"]
    assert counts["cases_skipped"] == 1 and counts["cases_anonymised"] == 0
    assert CaseApplication.objects.get(case=case).cpr_number == FULL_CPR
    assert Document.objects.filter(case=case).count() == 2


def test_staff_anonymise_only_with_the_permission(nordby, caseworker, django_capture_on_commit_callbacks):
    case = closed_case(nordby, closed_at=NOW, caseworker=caseworker)
    with pytest.raises(PermissionDenied):
        anonymise_case(case, user=caseworker)
    assert CaseApplication.objects.get(case=case).cpr_number == FULL_CPR  # rolled back
    assert Document.objects.filter(case=case).count() == 2

    coordinator = _user("koordinator@nordby.example")
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_case(case, user=coordinator, data={"reason": "manual"}) == 2
    assert case.status == S.ANONYMISED
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action=retention.ANONYMISED_ACTION)
    assert entry.user_id == coordinator.pk
    with translation.override("en"):
        assert str(entry.message) == "Case anonymised"


# --- Command and task ---------------------------------------------------------------------------------


def test_the_command_prints_what_it_would_do_and_did(nordby, caseworker, django_capture_on_commit_callbacks):
    case = closed_case(nordby, closed_at=dt.datetime(2015, 1, 1, tzinfo=CPH), caseworker=caseworker)
    out = io.StringIO()
    call_command("apply_retention", "--municipality", "nordby", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dry run: nothing was changed." in text and "nordby:" in text and "sydby" not in text
    assert "1 closed cases without a loan would be anonymised" in text
    assert "2 case documents would be deleted" in text
    assert Case.objects.get(pk=case.pk).status == S.CLOSED

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", "--municipality", "nordby", stdout=out)
    assert "1 closed cases without a loan anonymised" in out.getvalue()
    assert Case.objects.get(pk=case.pk).status == S.ANONYMISED


def test_the_command_refuses_an_unknown_municipality(db):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("apply_retention", "--municipality", "nowhere", stdout=io.StringIO())


def test_the_task_runs_the_retention(nordby, caseworker, django_capture_on_commit_callbacks):
    case = closed_case(nordby, closed_at=dt.datetime(2015, 1, 1, tzinfo=CPH), caseworker=caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        result = run_retention.enqueue(municipality_slug="nordby")
    assert result.return_value["nordby"]["cases_anonymised"] == 1
    assert Case.objects.get(pk=case.pk).status == S.ANONYMISED


# --- The coordinator's screen ---------------------------------------------------------------------------

FORM = {"draft_retention_days": 60, "anonymise_rejected_after_years": 3, "anonymise_closed_after_years": 6}


def test_the_coordinator_edits_the_own_policy(client, nordby):
    client.force_login(_user("koordinator@nordby.example"))
    policy = RetentionPolicy.objects.get(municipality=nordby)
    index = client.get("/admin/retention_policy/")
    assert index.status_code == 200
    assert "Nordby Kommune" in index.content.decode() and "Sydby Kommune" not in index.content.decode()
    assert client.get(f"/admin/retention_policy/edit/{policy.pk}/").status_code == 200

    assert client.post(f"/admin/retention_policy/edit/{policy.pk}/", FORM).status_code == 302
    policy.refresh_from_db()
    assert (policy.draft_retention_days, policy.anonymise_rejected_after_years,
            policy.anonymise_closed_after_years) == (60, 3, 6)


def test_loan_cases_cannot_be_kept_shorter_than_the_bookkeeping_rule(client, nordby):
    client.force_login(_user("koordinator@nordby.example"))
    policy = RetentionPolicy.objects.get(municipality=nordby)
    response = client.post(f"/admin/retention_policy/edit/{policy.pk}/",
                           {**FORM, "anonymise_closed_after_years": 4})
    assert response.status_code == 200
    policy.refresh_from_db()
    assert policy.anonymise_closed_after_years == 5


def test_the_index_creates_a_missing_policy_for_the_own_municipality(client, nordby):
    RetentionPolicy.objects.filter(municipality=nordby).delete()
    client.force_login(_user("koordinator@nordby.example"))
    assert client.get("/admin/retention_policy/").status_code == 200
    assert RetentionPolicy.objects.filter(municipality=nordby).exists()


@pytest.mark.parametrize("view", ["edit", "history", "usage", "delete"])
def test_another_municipalitys_policy_is_not_found(client, sydby, view):
    client.force_login(_user("koordinator@nordby.example"))
    policy = RetentionPolicy.objects.get(municipality=sydby)
    assert client.get(f"/admin/retention_policy/{view}/{policy.pk}/").status_code == 404
    assert client.post(f"/admin/retention_policy/edit/{policy.pk}/", FORM).status_code == 404
    assert RetentionPolicy.objects.get(municipality=sydby).draft_retention_days == 90


@pytest.mark.parametrize("email", ["sagsbehandler@nordby.example", "erhvervskonsulent@nordby.example",
                                   "redaktoer@nordby.example", "styregruppe@nordby.example"])
def test_other_roles_may_not_open_the_policy(client, nordby, email):
    """Wagtail answers a refused admin view (403 inside) with its "no
    permission" redirect to the dashboard."""
    client.force_login(_user(email))
    policy = RetentionPolicy.objects.get(municipality=nordby)
    for response in (client.get("/admin/retention_policy/"),
                     client.get(f"/admin/retention_policy/edit/{policy.pk}/"),
                     client.post(f"/admin/retention_policy/edit/{policy.pk}/", FORM)):
        assert response.status_code == 302 and response.url == "/admin/"
    assert RetentionPolicy.objects.get(municipality=nordby).draft_retention_days == 90


def test_citizens_and_visitors_do_not_get_in(client, nordby):
    policy = RetentionPolicy.objects.get(municipality=nordby)
    assert client.get(f"/admin/retention_policy/edit/{policy.pk}/").status_code == 302  # to the login
    client.force_login(_user("borger@nordby.example"))
    assert client.get(f"/admin/retention_policy/edit/{policy.pk}/").status_code in (302, 403)
