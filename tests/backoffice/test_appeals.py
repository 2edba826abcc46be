"""Appeals as services: the citizen's complaint about a final decision, the
reassessment with its deadline, the change through a new decision, the
upheld complaint forwarded with the case bundle, the appeal body's outcome;
late complaints, double submits, and who may do what."""

import csv
import datetime as dt
import io
import uuid
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from backoffice.deadlines import appeal_deadline, deadline_after, next_working_day
from backoffice.models import Appeal, Case, Decision, DecisionKind, DecisionTemplate
from backoffice.selectors_appeals import reassessments_due
from backoffice.services import appeal_bundle
from backoffice.services import appeals as services
from backoffice.services import decisions
from backoffice.services.citizen import CitizenActionRefused, add_citizen_document
from backoffice.services.transitions import StaleCase
from backoffice.uploads import validate_upload
from tests.files import pdf_bytes

from .test_decisions import REASON, days_after, log_entries, open_case, working_day_in

User = get_user_model()
S = Case.Status
K = DecisionKind
A = Appeal.Status
COMPLAINT = "Jeg er uenig: jeg har allerede tre faste kunder, som I ikke har talt med."


def upload(name="kundeliste.pdf"):
    return validate_upload(SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf"))


@pytest.fixture
def caseworker(demo):
    return User.objects.get(email="sagsbehandler@nordby.example")


@pytest.fixture
def citizen(demo):
    return User.objects.get(email="borger@nordby.example")


@pytest.fixture
def case(nordby, citizen):
    return open_case(nordby, citizen)


def refused(case, caseworker, *, reply="Jeg har kunder nok.", now=None):
    """A final referral to the ordinary effort after consultation and the citizen's comments."""
    decision = decisions.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    deadline = working_day_in(10)
    decision = decisions.send_for_consultation(decision, caseworker, deadline=deadline,
                                               expected_version=case.version)
    if reply:
        decision = decisions.record_consultation_reply(decision, case.citizen, reply)
    decision = decisions.finalise_decision(decision, caseworker, expected_version=case.version,
                                           now=now or days_after(deadline, 1))
    case.refresh_from_db()
    return decision


def v(case):
    """The case's version now (the services update their own copy of the case)."""
    return Case.objects.get(pk=case.pk).version


def bundle_of(appeal):
    with appeal.bundle.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    index = list(csv.reader(io.StringIO(archive.read(appeal_bundle.INDEX_NAME).decode("utf-8-sig")),
                            delimiter=";"))
    return archive, index


def test_citizen_lodges_an_appeal_with_a_file(case, caseworker, citizen):
    decision = refused(case, caseworker)
    version = Case.objects.get(pk=case.pk).version

    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT, uploads=[upload()])

    today = timezone.localdate()
    assert appeal.status == A.LODGED and appeal.channel == Appeal.Channel.MY_PAGE
    assert appeal.lodged_on == today and appeal.text == COMPLAINT and not appeal.is_late
    assert appeal.appeal_deadline == appeal_deadline(decision)
    # 4 weeks from the day it came, on a working day.
    assert appeal.reassessment_deadline == deadline_after(today, weeks=4)
    assert appeal.appeal_body == "Ankestyrelsen" and "2450 København SV" in appeal.appeal_body_address
    [document] = appeal.documents.all()
    assert document.case_id == case.pk and document.visible_to_citizen and document.uploaded_by == citizen
    assert Case.objects.get(pk=case.pk).version == version + 1
    [entry] = log_entries(case, services.LODGED_ACTION)
    assert entry.data["appeal"] == appeal.pk and entry.data["late"] is False and entry.data["documents"] == 1
    assert COMPLAINT not in str(entry.data)


def test_walk_reassess_uphold_forward_with_bundle_then_outcome(case, caseworker, citizen):
    with transaction.atomic():
        plan = add_citizen_document(case, citizen, upload("plan.pdf"), kind="business_plan")
    decision = refused(case, caseworker, reply="Jeg har kunder nok.")
    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT, uploads=[upload("kunder.pdf")])
    case.refresh_from_db()

    appeal = services.start_reassessment(appeal, caseworker, expected_version=v(case))
    assert appeal.status == A.REASSESSING and appeal.reassessment_started_at is not None

    with pytest.raises(services.AppealRefused):
        services.uphold_and_forward(appeal, caseworker, reassessment_note=" ", expected_version=v(case))
    appeal = services.uphold_and_forward(
        appeal, caseworker, reassessment_note="Kunderne er ikke dokumenteret.", expected_version=v(case))

    assert appeal.status == A.UPHELD_FORWARDED and appeal.forwarded_at is not None
    assert appeal.bundle.case_id == case.pk and not appeal.bundle.visible_to_citizen
    archive, index = bundle_of(appeal)
    header, *rows = index
    assert len(header) == 5  # number, document, date, file, withheld because
    files = [row[3] for row in rows]
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert files[0] == "01-oversendelse.pdf" and files[1] == "02-afgoerelse.pdf"
    assert files[2] == "03-partshoering.pdf" and files[3] == "04-bemaerkninger.txt"
    assert files[4] == "05-kunder.pdf"
    # Everything indexed is in the zip, and nothing else but the index.
    assert sorted(archive.namelist()) == sorted([*files, appeal_bundle.INDEX_NAME])
    with decision.letter.file.open("rb") as handle:
        assert archive.read("02-afgoerelse.pdf") == handle.read()
    assert archive.read("04-bemaerkninger.txt").decode() == "Jeg har kunder nok."
    # The documents the decision was made on: the application receipt among them.
    # The documents the decision was made on, under their journal numbers: the business plan.
    [row] = [row for row in rows[5:] if row[3].endswith("plan.pdf")]
    assert row[1].startswith(plan.journal_entry.journal_number)
    assert not any(name.endswith(".zip") for name in files)

    outcome_on = timezone.localdate()
    appeal = services.record_outcome(appeal, caseworker, outcome=Appeal.Outcome.UPHELD, decided_on=outcome_on,
                                     note="Ankestyrelsen er enig.", letter_upload=upload("ast.pdf"),
                                     expected_version=Case.objects.get(pk=case.pk).version)
    assert appeal.status == A.DECIDED_EXTERNALLY and appeal.outcome == "upheld"
    assert appeal.outcome_letter.visible_to_citizen and appeal.outcome_on == outcome_on
    actions = [services.LODGED_ACTION, services.REASSESSMENT_ACTION, services.FORWARDED_ACTION,
               services.OUTCOME_ACTION]
    assert [len(log_entries(case, action)) for action in actions] == [1, 1, 1, 1]


def test_walk_change_the_decision_through_a_new_admission(case, caseworker, citizen):
    decision = refused(case, caseworker)
    assert Case.objects.get(pk=case.pk).status == S.NOT_ADMITTED
    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT)
    case.refresh_from_db()

    with pytest.raises(services.AppealRefused):  # not the same matter
        services.change_decision(appeal, caseworker, kind=K.GRANT_LOAN, expected_version=v(case))
    appeal = services.change_decision(appeal, caseworker, kind=K.ADMIT_TO_COURSE, expected_version=v(case))

    case.refresh_from_db()
    new = appeal.new_decision
    assert appeal.status == A.CHANGED
    assert new.kind == K.ADMIT_TO_COURSE and new.status == Decision.Status.FINAL and new.letter_id
    assert case.status == S.ADMITTED and case.referred_ordinary_effort_on is None
    decision.refresh_from_db()
    assert decision.status == Decision.Status.FINAL  # the old decision stays in the file
    assert len(log_entries(case, decisions.DECIDED_ACTION)) == 2
    assert log_entries(case, services.CHANGED_ACTION)[0].data["new_decision"] == new.pk
    with pytest.raises(StaleCase):  # done: no second change or forwarding
        services.uphold_and_forward(appeal, caseworker, reassessment_note="x", expected_version=v(case))


def test_a_late_appeal_is_taken_and_marked(case, caseworker, citizen):
    decision = refused(case, caseworker)
    deadline = appeal_deadline(decision)
    later = timezone.now() + (deadline - timezone.localdate()) + dt.timedelta(days=3)

    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT, now=later)

    assert appeal.is_late and appeal.appeal_deadline == deadline
    assert appeal.reassessment_deadline == deadline_after(timezone.localdate(later), weeks=4)
    assert log_entries(case, services.LODGED_ACTION)[0].data["late"] is True


def test_staff_register_a_complaint_by_phone_and_the_template_sets_the_period(case, caseworker):
    decision = refused(case, caseworker)
    DecisionTemplate.objects.filter(pk=decision.template_id).update(reassessment_weeks=2)
    received = timezone.localdate() - dt.timedelta(days=1)

    with pytest.raises(services.AppealRefused):  # staff must say how it came
        services.lodge_appeal(decision, caseworker, text=COMPLAINT)
    appeal = services.lodge_appeal(decision, caseworker, text=COMPLAINT, channel=Appeal.Channel.PHONE,
                                   lodged_on=received)

    assert appeal.channel == "phone" and appeal.created_by == caseworker and appeal.lodged_on == received
    assert appeal.reassessment_deadline == next_working_day(received + dt.timedelta(weeks=2))


def test_double_submit_gives_one_appeal(case, caseworker, citizen):
    decision = refused(case, caseworker)
    key = uuid.uuid4()

    first = services.lodge_appeal(decision, citizen, text=COMPLAINT, submission_key=key)
    second = services.lodge_appeal(decision, citizen, text=COMPLAINT, submission_key=key)

    assert first.pk == second.pk and Appeal.objects.filter(decision=decision).count() == 1
    with pytest.raises(CitizenActionRefused) as refused_again:  # a new form, the same decision
        services.lodge_appeal(decision, citizen, text="Og en ting mere.", submission_key=uuid.uuid4())
    assert refused_again.value.code == "already_lodged"
    assert len(log_entries(case, services.LODGED_ACTION)) == 1


def test_after_withdrawal_a_new_appeal_can_be_lodged(case, caseworker, citizen):
    decision = refused(case, caseworker)
    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT)
    services.withdraw_appeal(appeal, citizen)
    assert Appeal.objects.get(pk=appeal.pk).status == A.WITHDRAWN
    again = services.lodge_appeal(decision, citizen, text=COMPLAINT)
    assert again.pk != appeal.pk


def test_who_may_appeal(case, caseworker, citizen):
    decision = refused(case, caseworker)
    other_citizen = User.objects.create_user(username="anden", email="anden@nordby.example")
    with pytest.raises(PermissionError):
        services.lodge_appeal(decision, other_citizen, text=COMPLAINT)
    other_staff = User.objects.get(email="sagsbehandler@sydby.example")
    with pytest.raises(PermissionDenied):
        services.lodge_appeal(decision, other_staff, text=COMPLAINT, channel="letter",
                              lodged_on=timezone.localdate())
    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT)
    with pytest.raises(PermissionDenied):
        services.start_reassessment(appeal, other_staff)
    with pytest.raises(PermissionError):
        services.withdraw_appeal(appeal, other_citizen)
    assert Appeal.objects.get(pk=appeal.pk).status == A.LODGED


def test_only_a_final_decision_that_refuses_can_be_appealed(case, caseworker, citizen):
    draft = decisions.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
    with pytest.raises(CitizenActionRefused):
        services.lodge_appeal(draft, citizen, text=COMPLAINT)
    decisions.discard_draft(draft, caseworker)
    admitted = decisions.finalise_decision(decisions.draft_decision(case, caseworker, K.ADMIT_TO_COURSE),
                                           caseworker, expected_version=Case.objects.get(pk=case.pk).version)
    with pytest.raises(CitizenActionRefused) as refused_:
        services.lodge_appeal(admitted, citizen, text=COMPLAINT)
    assert refused_.value.code == "not_appealable"
    with pytest.raises(CitizenActionRefused):
        services.lodge_appeal(admitted, citizen, text="  ")


def test_reassessment_deadlines_for_the_dashboard(case, caseworker, citizen):
    decision = refused(case, caseworker)
    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT)
    assert list(reassessments_due(caseworker, 40)) == [appeal]
    assert list(reassessments_due(caseworker, 0)) == []
    assert list(reassessments_due(User.objects.get(email="sagsbehandler@sydby.example"), 40)) == []


def test_bundle_builder_lists_infected_files_without_them(case, caseworker, citizen):
    decision = refused(case, caseworker)
    appeal = services.lodge_appeal(decision, citizen, text=COMPLAINT, uploads=[upload("a.pdf")])
    appeal.documents.update(scan_status="infected")
    content, rows = appeal_bundle.build_bundle(appeal_bundle.appeal_items(appeal, b"%PDF-1.4"))
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    [infected] = [row for row in rows if "a.pdf" in row[1]]
    assert infected[3] == "" and not any(name.endswith("a.pdf") for name in names)
