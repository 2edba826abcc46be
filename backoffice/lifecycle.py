"""Which case status may follow which: pure data, no database writes.

The service layer checks ``can_transition`` before it changes a case and
records the change; the import of historic cases (``services.case_import``)
walks the same transitions, step by step, so each is in the audit log.

Design notes:
- Consultation (partshøring) has its own status before an adverse
  admission or loan decision, but is not forced: it is only required when
  the citizen does not already know the facts, which the caseworker judges.
- A refusal can be reversed after reconsideration or appeal (genvurdering,
  klage), so NOT_ADMITTED and LOAN_DECLINED may still lead forward.
- The loan is paid only into a verified business account, so there is no
  way from LOAN_GRANTED to LOAN_DISBURSED except through BUSINESS_SETUP.
- A participant who completed the course and gets no loan is referred to
  the ordinary employment effort and the case closed
  (``services.referral``): hence COURSE_COMPLETED → CLOSED, without a
  loan decision first.
- Every path ends in CLOSED (where the outcome is recorded) and only a
  closed case can be anonymised. ANONYMISED is the only terminal status.
"""

from .models.cases import Case

S = Case.Status

TRANSITIONS: dict[S, set[S]] = {
    S.SUBMITTED: {S.SCREENING, S.AWAITING_INFORMATION, S.WITHDRAWN},
    S.SCREENING: {S.AWAITING_INFORMATION, S.CONSULTATION, S.ADMITTED, S.NOT_ADMITTED, S.WITHDRAWN},
    S.AWAITING_INFORMATION: {S.SCREENING, S.CONSULTATION, S.WITHDRAWN},
    S.CONSULTATION: {S.SCREENING, S.ADMITTED, S.NOT_ADMITTED, S.WITHDRAWN},
    S.ADMITTED: {S.IN_COURSE, S.LEFT_FOR_EMPLOYMENT, S.WITHDRAWN},
    S.NOT_ADMITTED: {S.ADMITTED, S.CLOSED},
    S.IN_COURSE: {S.COURSE_COMPLETED, S.LEFT_FOR_EMPLOYMENT, S.DROPPED_OUT},
    # CLOSED: referred to the ordinary employment effort without a loan (services.referral).
    S.COURSE_COMPLETED: {
        S.LOAN_CONSULTATION, S.LOAN_GRANTED, S.LOAN_DECLINED, S.LEFT_FOR_EMPLOYMENT, S.WITHDRAWN, S.CLOSED,
    },
    S.LOAN_CONSULTATION: {S.COURSE_COMPLETED, S.LOAN_GRANTED, S.LOAN_DECLINED, S.WITHDRAWN},
    S.LOAN_GRANTED: {S.BUSINESS_SETUP, S.LEFT_FOR_EMPLOYMENT, S.WITHDRAWN},
    S.LOAN_DECLINED: {S.LOAN_GRANTED, S.CLOSED},
    S.BUSINESS_SETUP: {S.LOAN_DISBURSED, S.LEFT_FOR_EMPLOYMENT, S.WITHDRAWN},
    # Closing straight from LOAN_DISBURSED covers early repayment and write-off.
    S.LOAN_DISBURSED: {S.IN_REPAYMENT, S.CLOSED},
    S.IN_REPAYMENT: {S.CLOSED},
    S.LEFT_FOR_EMPLOYMENT: {S.CLOSED},
    S.DROPPED_OUT: {S.CLOSED},
    S.WITHDRAWN: {S.CLOSED},
    S.CLOSED: {S.ANONYMISED},
    S.ANONYMISED: set(),
}

TERMINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

# Not yet closed: what the staff queue shows by default.
OPEN_STATUSES = frozenset(TRANSITIONS) - {S.CLOSED, S.ANONYMISED}


def _status(value):
    try:
        return S(value)
    except ValueError:
        return None


def next_statuses(from_status) -> set:
    """Statuses allowed after ``from_status`` (empty for unknown ones)."""
    return set(TRANSITIONS.get(_status(from_status), ()))


def can_transition(from_status, to_status) -> bool:
    """True if a case may move from ``from_status`` to ``to_status``.
    Accepts members of ``Case.Status`` or their string values."""
    to = _status(to_status)
    return to is not None and to in next_statuses(from_status)
