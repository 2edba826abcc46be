"""Decisions as services: the rules of administrative law built in (reasons,
appeal guidance, consultation or a written reason to skip it), the case
status they lead to, the audit entries, the letters (PDF on the case,
visible to the citizen) and the e-mails; and, on PostgreSQL, two staff
finalising the same decision at once."""

import datetime as dt
import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from backoffice import selectors
from backoffice.deadlines import next_working_day
from backoffice.decision_texts import ensure_decision_templates
from backoffice.models import Case, Decision, DecisionKind, DecisionTemplate, Document, JournalNote
from backoffice.services import decisions as services
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.services.citizen import CitizenActionRefused
from backoffice.services.transitions import StaleCase, TransitionNotAllowed

from .concurrency import requires_postgres, run_at_once

User = get_user_model()
S = Case.Status
K = DecisionKind
REASON = "Forretningsplanen viser ikke, hvordan du får kunder nok til at kunne leve af virksomheden."
WAIVER = "Borgeren kender oplysningerne og vores vurdering fra samtalen den 3. marts og har kommenteret dem."


def working_day_in(days):
    """A deadline ``days`` on, on a working day so the service keeps it as it is."""
    return next_working_day(timezone.localdate() + dt.timedelta(days=days))


def in_five_days():
    return working_day_in(5)


def days_after(deadline, days):
    """``now`` for a service call ``days`` after ``deadline``."""
    return timezone.now() + (deadline - timezone.localdate()) + dt.timedelta(days=days)


def user(email):
    return User.objects.get(email=email)


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def citizen(demo):
    return user("borger@nordby.example")


def open_case(municipality, citizen, status=S.SCREENING):
    case, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=municipality, citizen=citizen,
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example",
                 "address": "Havnegade 3", "postcode": "9000", "city": "Nordby",
                 "business_idea": "Cykelværksted"},
    ))
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


def log_entries(case, action):
    return list(ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk), action=action,
    ).order_by("timestamp", "pk"))


def pdf_text(document):
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    # Words only: the letter wraps lines wherever the width ends.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def refusal(case, caseworker, reason=REASON):
    return services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=reason)


def consulted(case, caseworker, deadline=None):
    decision = refusal(case, caseworker)
    deadline = deadline or working_day_in(14)
    return services.send_for_consultation(decision, caseworker, deadline=deadline,
                                          expected_version=case.version)


# --- Templates ------------------------------------------------------------------------------------


def test_every_demo_municipality_has_a_template_for_every_kind(nordby, sydby):
    for municipality in (nordby, sydby):
        kinds = set(DecisionTemplate.objects.filter(municipality=municipality).values_list("kind", flat=True))
        assert kinds == set(K.values)
    template = DecisionTemplate.objects.get(municipality=nordby, kind=K.REFER_TO_ORDINARY_EFFORT)
    assert "lov om en aktiv beskæftigelsesindsats" in template.legal_basis
    assert template.appeal_body == "Ankestyrelsen" and template.appeal_deadline_weeks == 4
    assert "{deadline_weeks}" in template.appeal_guidance


def test_ensure_templates_is_idempotent_and_keeps_edits(nordby):
    template = DecisionTemplate.objects.get(municipality=nordby, kind=K.ADMIT_TO_COURSE)
    template.legal_basis = "Redigeret af koordinatoren."
    template.save()
    DecisionTemplate.objects.filter(municipality=nordby, kind=K.WRITE_OFF_LOAN).delete()

    ensure_decision_templates(nordby)
    ensure_decision_templates(nordby)

    assert DecisionTemplate.objects.filter(municipality=nordby).count() == len(K)
    template.refresh_from_db()
    assert template.legal_basis == "Redigeret af koordinatoren."
    assert DecisionTemplate.objects.filter(municipality=nordby, kind=K.WRITE_OFF_LOAN).exists()


# --- Drafting -------------------------------------------------------------------------------------


def test_draft_admission_copies_the_template_and_fully_grants(case, caseworker):
    version = case.version
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE, expected_version=version)

    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT and decision.fully_granted
    assert decision.template.kind == K.ADMIT_TO_COURSE
    assert "lov om en aktiv beskæftigelsesindsats" in decision.legal_basis
    # The placeholders are filled in from the template.
    assert "4 uger" in decision.appeal_guidance and "Ankestyrelsen" in decision.appeal_guidance
    assert "{" not in decision.appeal_guidance
    case.refresh_from_db()
    assert case.version == version + 1 and case.status == S.SCREENING
    [entry] = log_entries(case, services.DRAFTED_ACTION)
    assert entry.user_id == caseworker.pk
    assert entry.data["decision"] == decision.pk and entry.data["kind"] == "admit_to_course"
    assert entry.data["fully_granted"] is True


def test_a_referral_never_fully_grants(case, caseworker):
    decision = refusal(case, caseworker)
    assert decision.fully_granted is False
    with pytest.raises(services.DecisionRefused):
        services.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, fully_granted=True)


def test_no_decision_before_the_case_is_assessed(nordby, citizen, caseworker):
    case = open_case(nordby, citizen, status=S.SUBMITTED)
    with pytest.raises(services.DecisionRefused) as refused:
        services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    assert refused.value.code == "wrong_status"
    assert not Decision.objects.filter(case=case).exists()


def test_only_one_open_admission_decision(case, caseworker):
    refusal(case, caseworker)
    with pytest.raises(services.DecisionRefused) as refused:
        services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    assert refused.value.code == "open_decision"


@pytest.mark.parametrize("email", ["erhvervskonsulent@nordby.example", "sagsbehandler@sydby.example",
                                   "styregruppe@nordby.example", "borger@nordby.example"])
def test_who_may_not_decide(case, email):
    with pytest.raises(PermissionDenied):
        services.draft_decision(case, user(email), K.ADMIT_TO_COURSE)
    assert not Decision.objects.filter(case=case).exists()


def test_stale_version_is_refused_when_drafting(case, caseworker):
    with pytest.raises(StaleCase):
        services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE, expected_version=case.version - 1)


def test_discard_a_draft_that_was_never_sent(case, caseworker):
    decision = refusal(case, caseworker)
    services.discard_draft(decision, caseworker, expected_version=case.version)
    assert not Decision.objects.filter(pk=decision.pk).exists()
    assert log_entries(case, services.DISCARDED_ACTION)[0].data["decision"] == decision.pk


# --- Consultation ---------------------------------------------------------------------------------


def test_send_for_consultation(case, caseworker, citizen, django_capture_on_commit_callbacks):
    decision = refusal(case, caseworker)
    deadline = working_day_in(14)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_for_consultation(decision, caseworker, deadline=deadline, expected_version=case.version)

    decision.refresh_from_db()
    case.refresh_from_db()
    assert case.status == S.CONSULTATION
    assert decision.status == Decision.Status.IN_CONSULTATION
    assert decision.consultation_deadline == deadline and decision.consultation_sent_at is not None
    letter = decision.letter
    assert letter.kind == Document.Kind.DECISION_LETTER and letter.visible_to_citizen
    assert letter.content_type == "application/pdf" and letter.size > 0
    text = pdf_text(letter)
    assert case.reference in text and "Bo Borger" in text and "Nordby Kommune" in text
    assert "leve af virksomheden" in text  # the draft reasons
    assert str(deadline.year) in text and "§ 19" in text
    [entry] = log_entries(case, services.CONSULTATION_SENT_ACTION)
    assert entry.data["from"] == S.SCREENING and entry.data["to"] == S.CONSULTATION
    assert entry.data["deadline"] == deadline.isoformat() and entry.data["letter"] == letter.pk
    assert REASON not in str(entry.data)
    [email] = mail.outbox
    assert email.to == [citizen.email] and case.reference in email.body
    assert "leve af virksomheden" not in email.body  # no content in e-mails


def test_consultation_needs_reasons_and_a_future_deadline(case, caseworker):
    decision = refusal(case, caseworker, reason="  ")
    with pytest.raises(services.DecisionRefused) as refused:
        services.send_for_consultation(decision, caseworker, deadline=in_five_days(),
                                       expected_version=case.version)
    assert refused.value.code == "reason_required"
    services.update_draft(decision, caseworker, reason=REASON, expected_version=case.version)
    with pytest.raises(services.DecisionRefused) as refused:
        services.send_for_consultation(decision, caseworker, deadline=timezone.localdate(),
                                       expected_version=case.version)
    assert refused.value.code == "deadline"
    case.refresh_from_db()
    assert case.status == S.SCREENING
    assert not Document.objects.filter(case=case, kind=Document.Kind.DECISION_LETTER).exists()


def test_a_full_grant_is_not_sent_for_consultation(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE, reason="Godt grundlag.")
    with pytest.raises(services.DecisionRefused) as refused:
        services.send_for_consultation(decision, caseworker, deadline=in_five_days(),
                                       expected_version=case.version)
    assert refused.value.code == "fully_granted"


def test_citizen_reply_is_recorded_and_staff_told(case, caseworker, citizen,
                                                  django_capture_on_commit_callbacks):
    decision = consulted(case, caseworker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_consultation_reply(decision, citizen, "  Jeg har faktisk tre faste kunder.  ")

    decision.refresh_from_db()
    assert decision.consultation_reply == "Jeg har faktisk tre faste kunder."
    assert decision.consultation_replied_at is not None and not services.reply_is_late(decision)
    [entry] = log_entries(case, services.CONSULTATION_REPLIED_ACTION)
    assert entry.user_id == citizen.pk and entry.data == {
        "reference": case.reference, "decision": decision.pk, "late": False}
    [email] = mail.outbox
    assert email.to == ["sagsbehandler@nordby.example"]  # nobody has the case: the caseworkers
    assert "kunder" not in email.body

    with pytest.raises(CitizenActionRefused) as refused:
        services.record_consultation_reply(decision, citizen, "Og en ting mere.")
    assert refused.value.code == "already_replied"


def test_only_the_citizen_of_the_case_may_reply(case, caseworker):
    decision = consulted(case, caseworker)
    other = User.objects.create_user(username="anden@nordby.example", email="anden@nordby.example")
    for someone in (other, caseworker):
        with pytest.raises(PermissionError):
            services.record_consultation_reply(decision, someone, "Hej")
    decision.refresh_from_db()
    assert decision.consultation_replied_at is None


def test_empty_reply_and_reply_to_a_draft_are_refused(case, caseworker, citizen):
    decision = refusal(case, caseworker)
    with pytest.raises(CitizenActionRefused):
        services.record_consultation_reply(decision, citizen, "   ")
    with pytest.raises(CitizenActionRefused) as refused:
        services.record_consultation_reply(decision, citizen, "Hej")
    assert refused.value.code == "closed"


def test_a_late_reply_is_accepted_and_flagged(case, caseworker, citizen):
    deadline = working_day_in(1)
    decision = consulted(case, caseworker, deadline=deadline)
    services.record_consultation_reply(decision, citizen, "Undskyld, jeg var syg.",
                                       now=days_after(deadline, 2))
    assert services.reply_is_late(decision)
    assert log_entries(case, services.CONSULTATION_REPLIED_ACTION)[0].data["late"] is True


# --- The final decision ---------------------------------------------------------------------------


def test_refusal_needs_reasons(case, caseworker):
    decision = refusal(case, caseworker, reason="")
    with pytest.raises(services.DecisionRefused) as refused:
        services.finalise_decision(decision, caseworker, expected_version=case.version,
                                   consultation_waived_reason=WAIVER)
    assert refused.value.code == "reason_required"
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT


def test_refusal_needs_appeal_guidance(case, caseworker):
    decision = refusal(case, caseworker)
    Decision.objects.filter(pk=decision.pk).update(appeal_guidance=" \n ")
    decision.refresh_from_db()
    with pytest.raises(services.DecisionRefused) as refused:
        services.finalise_decision(decision, caseworker, expected_version=case.version,
                                   consultation_waived_reason=WAIVER)
    assert refused.value.code == "appeal_guidance_required"


def test_refusal_needs_consultation_or_a_reason_to_skip_it(case, caseworker):
    decision = refusal(case, caseworker)
    with pytest.raises(services.DecisionRefused) as refused:
        services.finalise_decision(decision, caseworker, expected_version=case.version)
    assert refused.value.code == "consultation_required"
    with pytest.raises(services.DecisionRefused):
        services.finalise_decision(decision, caseworker, expected_version=case.version,
                                   consultation_waived_reason="   ")
    case.refresh_from_db()
    assert case.status == S.SCREENING
    assert not log_entries(case, services.DECIDED_ACTION)


def test_refusal_with_consultation_waived(case, caseworker, citizen, django_capture_on_commit_callbacks):
    decision = refusal(case, caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        services.finalise_decision(decision, caseworker, expected_version=case.version,
                                   consultation_waived_reason=WAIVER)

    decision.refresh_from_db()
    case.refresh_from_db()
    assert case.status == S.NOT_ADMITTED
    assert case.referred_ordinary_effort_on == timezone.localdate(decision.decided_at)
    assert decision.status == Decision.Status.FINAL
    assert decision.decided_by == caseworker and decision.decided_at is not None
    note = JournalNote.objects.get(case=case)
    assert WAIVER in note.body and note.author == caseworker
    [entry] = log_entries(case, services.DECIDED_ACTION)
    assert entry.data["from"] == S.SCREENING and entry.data["to"] == S.NOT_ADMITTED
    assert entry.data["consultation"] == "waived" and entry.data["note"] == note.pk
    assert entry.data["letter"] == decision.letter_id and WAIVER not in str(entry.data)
    [email] = mail.outbox
    assert email.to == [citizen.email] and REASON not in email.body


def test_decision_letter(case, caseworker):
    decision = refusal(case, caseworker)
    services.finalise_decision(decision, caseworker, expected_version=case.version,
                               consultation_waived_reason=WAIVER)
    letter = Decision.objects.get(pk=decision.pk).letter
    assert letter.kind == Document.Kind.DECISION_LETTER and letter.visible_to_citizen
    assert letter.uploaded_by == caseworker and letter.original_name == f"afgoerelse-{case.reference}.pdf"
    text = pdf_text(letter)
    for expected in (case.reference, "Nordby Kommune", "Bo Borger", "Havnegade 3", "9000 Nordby",
                     "leve af virksomheden", "lov om en aktiv beskæftigelsesindsats", "Ankestyrelsen",
                     "4 uger", "Sanne Sagsbehandler", "Torvet 1"):
        assert expected in text, expected


def test_final_letter_is_on_my_page(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    services.finalise_decision(decision, caseworker, expected_version=case.version)
    detail = selectors.citizen_case_detail(Case.objects.get(pk=case.pk))
    decision.refresh_from_db()
    assert decision.letter in detail.letters
    [shown] = [d for d in detail.decisions if d.pk == decision.pk]
    assert shown.visible_letter_id == decision.letter_id


def test_admission_needs_no_consultation(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    services.finalise_decision(decision, caseworker, expected_version=case.version)
    case.refresh_from_db()
    assert case.status == S.ADMITTED
    assert log_entries(case, services.DECIDED_ACTION)[0].data["consultation"] == "not_needed"
    text = pdf_text(Decision.objects.get(pk=decision.pk).letter)
    assert case.reference in text


def test_no_final_decision_while_the_citizen_may_still_comment(case, caseworker, citizen):
    decision = consulted(case, caseworker)
    with pytest.raises(services.DecisionRefused) as refused:
        services.finalise_decision(decision, caseworker, expected_version=case.version)
    assert refused.value.code == "consultation_pending"

    services.record_consultation_reply(decision, citizen, "Jeg har tre faste kunder.")
    case.refresh_from_db()
    services.finalise_decision(decision, caseworker, expected_version=case.version,
                               reason=REASON + "\n\nDine tre kunder er ikke nok til at dække dine udgifter.")
    case.refresh_from_db()
    decision.refresh_from_db()
    assert case.status == S.NOT_ADMITTED
    assert "tre kunder" in decision.reason
    assert log_entries(case, services.DECIDED_ACTION)[0].data["consultation"] == "held"
    text = pdf_text(decision.letter)
    assert "tre kunder" in text
    # The consultation letter stays on the case next to the decision letter.
    assert Document.objects.filter(case=case, kind=Document.Kind.DECISION_LETTER).count() == 2


def test_final_decision_after_the_deadline_without_comments(case, caseworker):
    deadline = working_day_in(1)
    decision = consulted(case, caseworker, deadline=deadline)
    services.finalise_decision(decision, caseworker, expected_version=case.version,
                               now=days_after(deadline, 1))
    case.refresh_from_db()
    assert case.status == S.NOT_ADMITTED


def test_citizens_comments_can_change_the_outcome(case, caseworker, citizen):
    decision = consulted(case, caseworker)
    services.record_consultation_reply(decision, citizen, "Her er min nye plan.")
    case.refresh_from_db()
    services.update_draft(decision, caseworker, reason="", kind=K.ADMIT_TO_COURSE,
                          expected_version=case.version)
    decision.refresh_from_db()
    assert decision.kind == K.ADMIT_TO_COURSE and decision.fully_granted
    services.finalise_decision(decision, caseworker, expected_version=case.version)
    case.refresh_from_db()
    assert case.status == S.ADMITTED


def test_business_consultant_may_not_finalise(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    with pytest.raises(PermissionDenied):
        services.finalise_decision(decision, user("erhvervskonsulent@nordby.example"),
                                   expected_version=case.version)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT


def test_stale_or_already_final_is_stale(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    old_version = case.version - 1
    with pytest.raises(StaleCase):
        services.finalise_decision(decision, caseworker, expected_version=old_version)
    services.finalise_decision(decision, caseworker, expected_version=case.version)
    # A copy loaded before the decision was made still thinks it is a draft.
    stale_copy = Decision.objects.select_related("case").get(pk=decision.pk)
    stale_copy.status = Decision.Status.DRAFT
    with pytest.raises(StaleCase):
        services.finalise_decision(stale_copy, caseworker, expected_version=None)
    assert Document.objects.filter(case=case, kind=Document.Kind.DECISION_LETTER).count() == 1


def test_lifecycle_is_checked(case, caseworker):
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    Case.objects.filter(pk=case.pk).update(status=S.AWAITING_INFORMATION)
    case.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        services.finalise_decision(decision, caseworker, expected_version=case.version)
    assert not Document.objects.filter(case=case, kind=Document.Kind.DECISION_LETTER).exists()


# --- Two staff at once (PostgreSQL) ---------------------------------------------------------------


@requires_postgres
def test_two_staff_finalising_at_once(demo):
    nordby = demo["nordby"]
    caseworker = user("sagsbehandler@nordby.example")
    coordinator = user("koordinator@nordby.example")
    case = open_case(nordby, user("borger@nordby.example"))
    decision = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
    version = Case.objects.get(pk=case.pk).version
    staff = iter([caseworker, coordinator])

    def finalise():
        me = next(staff)
        mine = Decision.objects.select_related("case").get(pk=decision.pk)
        try:
            services.finalise_decision(mine, me, expected_version=version)
        except StaleCase:
            return "stale"
        return "final"

    assert sorted(run_at_once(finalise)) == ["final", "stale"]
    case.refresh_from_db()
    assert case.status == S.ADMITTED and case.version == version + 1
    assert Decision.objects.filter(case=case, status=Decision.Status.FINAL).count() == 1
    assert Document.objects.filter(case=case, kind=Document.Kind.DECISION_LETTER).count() == 1
    assert len(log_entries(case, services.DECIDED_ACTION)) == 1


def test_admission_after_a_refusal_takes_the_referral_date_back(case, caseworker):
    services.finalise_decision(refusal(case, caseworker), caseworker, expected_version=case.version,
                               consultation_waived_reason=WAIVER)
    case.refresh_from_db()
    assert case.status == S.NOT_ADMITTED and case.referred_ordinary_effort_on is not None
    # Reconsidered (or the appeal board said so): admitted after all.
    admission = services.draft_decision(case, caseworker, K.ADMIT_TO_COURSE, expected_version=case.version)
    case.refresh_from_db()
    services.finalise_decision(admission, caseworker, expected_version=case.version)
    case.refresh_from_db()
    assert case.status == S.ADMITTED and case.referred_ordinary_effort_on is None
