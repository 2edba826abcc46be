"""Submitting an application opens exactly one case, with a readable
reference, the submitted answers and documents, and an audit entry."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from wagtail.models import ModelLogEntry

from backoffice.models import Case, Document
from backoffice.services.cases import ApplicationSubmission, SubmittedDocument, submit_application
from tests.backoffice.concurrency import requires_postgres, run_at_once

ANSWERS = {
    "full_name": "Amina Hansen", "cpr_number": "010190-1234", "email": "amina@example.dk",
    "business_idea": "Systue", "requested_amount_dkk": 40000,
}


def _submission(municipality, citizen, key=None, **extra):
    return ApplicationSubmission(
        submission_key=key or uuid.uuid4(), municipality=municipality, citizen=citizen,
        answers=dict(ANSWERS), **extra,
    )


def test_submission_opens_a_case_with_reference_answers_and_audit_entry(municipality, make_user):
    citizen = make_user(email="amina@example.dk")
    case, created = submit_application(_submission(municipality, citizen))

    assert created
    assert case.status == Case.Status.SUBMITTED and case.citizen == citizen
    assert case.reference.startswith(f"{municipality.slug[:3].upper()}-{case.submitted_at.year}-")
    assert case.application.business_idea == "Systue"
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="backoffice.case.submitted")
    assert entry.user == citizen
    assert "010190" not in str(entry.data) and "1234" not in entry.label


def test_references_count_up_per_municipality(make_municipality, make_user):
    nordby, sydby = make_municipality("Nordby"), make_municipality("Sydby")
    citizen = make_user()
    first = submit_application(_submission(nordby, citizen))[0].reference
    second = submit_application(_submission(nordby, citizen))[0].reference
    other = submit_application(_submission(sydby, citizen))[0].reference
    assert int(second[-5:]) == int(first[-5:]) + 1
    assert other.endswith("-00001")


def test_the_same_submission_twice_gives_one_case(municipality, make_user):
    citizen = make_user()
    key = uuid.uuid4()
    first, created_first = submit_application(_submission(municipality, citizen, key))
    second, created_second = submit_application(_submission(municipality, citizen, key))
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Case.objects.count() == 1


def test_documents_are_taken_over_without_copying(municipality, make_user):
    stored = storages["private"].save("uploads/test-plan.pdf", ContentFile(b"%PDF-1.4 test"))
    document = SubmittedDocument(kind=Document.Kind.BUSINESS_PLAN, stored_name=stored, original_name="plan.pdf",
                                 content_type="application/pdf", size=13, sha256="0" * 64)
    case, _ = submit_application(_submission(municipality, make_user(), documents=[document]))
    [saved] = case.documents.all()
    assert saved.file.name == stored and saved.original_name == "plan.pdf"
    assert saved.file.read() == b"%PDF-1.4 test"


def test_unknown_answer_fields_are_refused(municipality, make_user):
    submission = ApplicationSubmission(submission_key=uuid.uuid4(), municipality=municipality,
                                       citizen=make_user(), answers={**ANSWERS, "shoe_size": 44})
    with pytest.raises(ValueError):
        submit_application(submission)
    assert not Case.objects.exists()


@requires_postgres
def test_two_concurrent_submissions_of_one_draft_give_one_case(make_municipality, make_user):
    municipality, citizen = make_municipality("Nordby"), make_user()
    key = uuid.uuid4()

    results = run_at_once(lambda: submit_application(_submission(municipality, citizen, key)))

    assert Case.objects.filter(submission_key=key).count() == 1
    assert sorted(created for _, created in results) == [False, True]
    assert len({case.pk for case, _ in results}) == 1
