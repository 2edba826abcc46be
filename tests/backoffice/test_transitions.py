"""The case state machine: every allowed status change happens with its
audit entry, every other one is refused and changes nothing; who may make
which change; and a change made on an outdated view of the case is refused."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from wagtail.models import ModelLogEntry

from backoffice.lifecycle import TRANSITIONS
from backoffice.models import Case
from backoffice.services.transitions import (
    REQUIRED_PERMISSION,
    StaleCase,
    TransitionNotAllowed,
    may_transition,
    transition,
)

S = Case.Status
ALL_PAIRS = list(itertools.product(S, S))
User = get_user_model()


def _user(email):
    return User.objects.get(email=email)


@pytest.fixture
def coordinator(demo):
    return _user("koordinator@nordby.example")


def _case(municipality, status, citizen=None):
    from django.utils import timezone

    return Case.objects.create(
        municipality=municipality, status=status, citizen=citizen,
        reference=f"NOR-T-{Case.objects.count() + 1:05d}",
        anonymised_at=timezone.now() if status == S.ANONYMISED else None)


def _entries(case):
    return ModelLogEntry.objects.filter(object_id=str(case.pk), action="backoffice.case.status_changed")


def test_every_status_needs_a_permission_to_be_entered():
    assert set(REQUIRED_PERMISSION) == set(S) - {S.SUBMITTED}


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_PAIRS if p[1] in TRANSITIONS[p[0]]],
                         ids=lambda s: str(s))
def test_allowed_transition_saves_bumps_the_version_and_writes_the_audit_entry(
        nordby, demo, from_status, to_status):
    admin = _user("admin@mikrolaan.example")
    case = _case(nordby, from_status)
    transition(case, to_status, user=admin, expected_version=1)
    case.refresh_from_db()
    assert case.status == to_status and case.version == 2
    [entry] = _entries(case)
    assert entry.user == admin and entry.data["from"] == from_status and entry.data["to"] == to_status


@pytest.mark.parametrize(("from_status", "to_status"), [p for p in ALL_PAIRS if p[1] not in TRANSITIONS[p[0]]],
                         ids=lambda s: str(s))
def test_forbidden_transition_is_refused_and_changes_nothing(nordby, demo, from_status, to_status):
    case = _case(nordby, from_status)
    # A case is born submitted (by the submission service); no one may move
    # one back into that status, so that is refused before the lifecycle.
    refusal = PermissionDenied if to_status == S.SUBMITTED else TransitionNotAllowed
    with pytest.raises(refusal):
        transition(case, to_status, user=_user("admin@mikrolaan.example"))
    case.refresh_from_db()
    assert case.status == from_status and case.version == 1 and not _entries(case).exists()


@pytest.mark.parametrize(("email", "to_status", "allowed"), [
    ("sagsbehandler@nordby.example", S.ADMITTED, True),
    ("sagsbehandler@nordby.example", S.SCREENING, True),
    ("erhvervskonsulent@nordby.example", S.SCREENING, True),
    ("erhvervskonsulent@nordby.example", S.ADMITTED, False),
    ("koordinator@nordby.example", S.NOT_ADMITTED, True),
    ("sagsbehandler@sydby.example", S.SCREENING, False),  # another municipality
    ("koordinator@sydby.example", S.ADMITTED, False),
    ("styregruppe@nordby.example", S.SCREENING, False),  # statistics only
    ("redaktoer@nordby.example", S.SCREENING, False),  # pages only
    ("borger@nordby.example", S.SCREENING, False),
])
def test_who_may_change_a_case(nordby, demo, email, to_status, allowed):
    case = _case(nordby, S.SCREENING if to_status != S.SCREENING else S.SUBMITTED)
    user = _user(email)
    assert may_transition(user, case, to_status) is allowed
    if allowed:
        transition(case, to_status, user=user)
    else:
        with pytest.raises(PermissionDenied):
            transition(case, to_status, user=user)
        case.refresh_from_db()
        assert case.version == 1


def test_the_citizen_may_withdraw_their_own_case_only(nordby, demo):
    citizen = _user("borger@nordby.example")
    own, other = _case(nordby, S.SUBMITTED, citizen), _case(nordby, S.SUBMITTED)
    transition(own, S.WITHDRAWN, user=citizen)
    own.refresh_from_db()
    assert own.status == S.WITHDRAWN and own.withdrawn_at is not None
    with pytest.raises(PermissionDenied):
        transition(other, S.WITHDRAWN, user=citizen)


def test_a_change_based_on_an_old_version_is_refused(nordby, coordinator):
    case = _case(nordby, S.SCREENING)
    seen_by_both = case.version
    transition(case, S.ADMITTED, user=coordinator, expected_version=seen_by_both)
    late = Case.objects.get(pk=case.pk)
    with pytest.raises(StaleCase) as refused:
        transition(late, S.NOT_ADMITTED, user=coordinator, expected_version=seen_by_both)
    assert "Reload" in str(refused.value) or "Genindlæs" in str(refused.value)
    late.refresh_from_db()
    assert late.status == S.ADMITTED and late.version == 2
