"""The transitions table: complete, connected, and keeping the guarantees the
scheme depends on (no payout without a business account, no loan without
the course, anonymisation only at the very end)."""

from collections import deque
from itertools import pairwise

import pytest

from backoffice.lifecycle import OPEN_STATUSES, TERMINAL_STATUSES, TRANSITIONS, can_transition, next_statuses
from backoffice.models import Case

S = Case.Status


def reachable(start, graph=TRANSITIONS, removed=frozenset()):
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in graph[queue.popleft()]:
            if nxt not in seen and nxt not in removed:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def predecessors(status):
    return {src for src, targets in TRANSITIONS.items() if status in targets}


def test_table_covers_every_status_and_only_known_ones():
    assert set(TRANSITIONS) == set(S)
    for targets in TRANSITIONS.values():
        assert targets <= set(S)


def test_every_status_is_reachable_from_submitted():
    assert reachable(S.SUBMITTED) == set(S)


def test_every_status_can_still_reach_closed():
    # No dead ends: every case can be closed, with an outcome recorded.
    for status in set(S) - {S.ANONYMISED}:
        assert S.CLOSED in reachable(status), status


def test_anonymised_is_the_only_terminal_status():
    assert TERMINAL_STATUSES == {S.ANONYMISED}
    assert next_statuses(S.ANONYMISED) == set()


def test_closed_leads_only_to_anonymised_and_only_closed_does():
    assert TRANSITIONS[S.CLOSED] == {S.ANONYMISED}
    assert predecessors(S.ANONYMISED) == {S.CLOSED}


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.DROPPED_OUT, S.LEFT_FOR_EMPLOYMENT, S.IN_REPAYMENT])
def test_end_states_lead_only_to_closed(status):
    assert TRANSITIONS[status] == {S.CLOSED}


@pytest.mark.parametrize(
    "refusal, reversal", [(S.NOT_ADMITTED, S.ADMITTED), (S.LOAN_DECLINED, S.LOAN_GRANTED)]
)
def test_refusals_close_or_are_reversed_on_appeal(refusal, reversal):
    assert TRANSITIONS[refusal] == {S.CLOSED, reversal}


def test_no_status_leads_to_itself():
    for status, targets in TRANSITIONS.items():
        assert status not in targets


def test_payout_only_after_business_setup():
    assert predecessors(S.LOAN_DISBURSED) == {S.BUSINESS_SETUP}
    assert not can_transition(S.LOAN_GRANTED, S.LOAN_DISBURSED)


def test_no_loan_without_completing_the_course():
    without_course = reachable(S.SUBMITTED, removed={S.COURSE_COMPLETED})
    assert S.LOAN_GRANTED not in without_course
    assert S.LOAN_DISBURSED not in without_course


def test_no_course_without_admission():
    assert predecessors(S.IN_COURSE) == {S.ADMITTED}
    assert S.IN_COURSE not in reachable(S.SUBMITTED, removed={S.ADMITTED})


def test_consultation_comes_before_the_matching_decision():
    assert TRANSITIONS[S.CONSULTATION] & {S.LOAN_GRANTED, S.LOAN_DECLINED} == set()
    assert TRANSITIONS[S.LOAN_CONSULTATION] & {S.ADMITTED, S.NOT_ADMITTED} == set()


def test_no_withdrawal_once_money_is_paid():
    for status in (S.LOAN_DISBURSED, S.IN_REPAYMENT):
        assert not can_transition(status, S.WITHDRAWN)


def test_double_effect_is_reachable_during_and_after_the_course():
    for status in (S.ADMITTED, S.IN_COURSE, S.COURSE_COMPLETED, S.LOAN_GRANTED, S.BUSINESS_SETUP):
        assert can_transition(status, S.LEFT_FOR_EMPLOYMENT), status


def test_can_transition_accepts_members_and_strings():
    assert can_transition(S.SUBMITTED, S.SCREENING)
    assert can_transition("submitted", "screening")
    assert can_transition(S.CLOSED, "anonymised")
    assert not can_transition("submitted", "loan_granted")
    assert not can_transition("anonymised", "submitted")


@pytest.mark.parametrize("src, dst", [("nonsense", "screening"), ("submitted", "nonsense"), (None, None)])
def test_can_transition_is_false_for_unknown_statuses(src, dst):
    assert not can_transition(src, dst)


def test_next_statuses_returns_a_copy():
    next_statuses(S.SUBMITTED).add(S.CLOSED)
    assert S.CLOSED not in TRANSITIONS[S.SUBMITTED]


def test_open_statuses_exclude_closed_and_anonymised():
    assert OPEN_STATUSES == set(S) - {S.CLOSED, S.ANONYMISED}


def test_referral_without_a_loan_closes_directly():
    # services.referral: after the course, no loan -> referred to the ordinary effort and closed.
    from backoffice.services.referral import REFERABLE_STATUSES

    for status in REFERABLE_STATUSES:
        assert can_transition(status, S.CLOSED), status
    # Closing is not a way round the loan rules: nothing is paid out of CLOSED.
    assert TRANSITIONS[S.CLOSED] == {S.ANONYMISED}


def test_imported_paths_follow_the_table():
    # services.case_import walks these paths one transition at a time.
    paths = [
        [S.SUBMITTED, S.SCREENING, S.ADMITTED, S.IN_COURSE, S.COURSE_COMPLETED, S.LOAN_GRANTED, S.BUSINESS_SETUP,
         S.LOAN_DISBURSED],
        [S.SUBMITTED, S.SCREENING, S.ADMITTED, S.IN_COURSE, S.COURSE_COMPLETED, S.CLOSED],
        [S.SUBMITTED, S.SCREENING, S.ADMITTED, S.IN_COURSE, S.DROPPED_OUT, S.CLOSED],
        [S.SUBMITTED, S.SCREENING, S.ADMITTED, S.IN_COURSE, S.LEFT_FOR_EMPLOYMENT, S.CLOSED],
        [S.SUBMITTED, S.SCREENING, S.NOT_ADMITTED, S.CLOSED],
    ]
    for path in paths:
        for src, dst in pairwise(path):
            assert can_transition(src, dst), (src, dst)
