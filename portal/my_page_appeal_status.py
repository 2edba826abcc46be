"""The complaint (if any) on each decision My page shows, in one query."""

from backoffice.selectors_appeals import appeals_by_decision
from backoffice.services.appeals import may_appeal


def attach_appeals(decisions):
    """Set ``appeal`` (the live complaint or None) and ``may_appeal`` on
    each of ``decisions`` (the citizen's final and in-consultation ones)."""
    appeals = appeals_by_decision(decisions)
    for decision in decisions:
        decision.appeal = appeals.get(decision.pk)
        decision.may_appeal = may_appeal(decision)
    return decisions
