"""Two tabs, or a double click that reaches two workers: the same draft
submitted twice at the same moment gives one case (PostgreSQL only)."""

from django.contrib.auth import get_user_model

from backoffice.models import Case
from portal.applications import submit_draft
from portal.models import ApplicationDraft
from tests.backoffice.concurrency import requires_postgres, run_at_once

from .applying import complete


@requires_postgres
def test_two_concurrent_submissions_of_one_draft_give_one_case(demo):
    citizen = get_user_model().objects.get(email="borger@nordby.example")
    draft = complete(ApplicationDraft.objects.create(citizen=citizen, municipality=demo["nordby"]))

    results = run_at_once(lambda: submit_draft(draft.pk, citizen))

    assert Case.objects.filter(submission_key=draft.pk).count() == 1
    assert sorted(created for _, created in results) == [False, True]
    assert len({case.pk for case, _ in results}) == 1
    case = Case.objects.get(submission_key=draft.pk)
    assert sorted(case.documents.values_list("kind", flat=True)) == ["budget", "business_plan"]
