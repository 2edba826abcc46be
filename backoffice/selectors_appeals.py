"""Reads for appeals: the case page's section, My page's view of a
decision's complaint, the dashboard's reassessment deadlines. Each is a
fixed number of queries whatever the number of appeals."""

import datetime

from django.db.models import F, Prefetch
from django.utils import timezone

from .models import Appeal, Decision, Document
from .services.appeals import may_appeal
from .services.decisions import RULES, rule_for
from .tenancy import cases_for_staff

# For CASE_PAGE_QUERYSET: the case's appeals with what the section shows.
CASE_PAGE_PREFETCH = Prefetch(
    "appeals", queryset=Appeal.objects.select_related("decision", "new_decision", "bundle", "outcome_letter")
    .prefetch_related(Prefetch("documents", queryset=Document.objects.order_by("uploaded_at", "pk")))
    .order_by("-lodged_on", "-pk"))


def section(case, user, today=None):
    """The case page's "Appeals" section, from the prefetched appeals and
    decisions: each appeal with the actions ``user`` may take now, and the
    final decisions staff may register a complaint about."""
    today = today or timezone.localdate()
    appeals = list(case.appeals.all())
    live = {a.decision_id for a in appeals if a.status != Appeal.Status.WITHDRAWN}
    handle = user.has_perm("backoffice.handle_case")
    for appeal in appeals:
        decides = user.has_perm(rule_for(appeal.decision.kind).permission)
        appeal.overdue = appeal.is_open and appeal.reassessment_deadline < today
        appeal.can_reassess = handle and appeal.status == Appeal.Status.LODGED
        appeal.can_decide = decides and appeal.is_open
        appeal.can_record_outcome = handle and appeal.status == Appeal.Status.UPHELD_FORWARDED
        appeal.can_withdraw = handle and (appeal.is_open or appeal.status == Appeal.Status.UPHELD_FORWARDED)
        group = rule_for(appeal.decision.kind).group
        appeal.change_kinds = [(kind.value, kind.label) for kind, rule in RULES.items()
                               if rule.group == group and kind != appeal.decision.kind]
    appealable = [d for d in case.decisions.all() if may_appeal(d) and d.pk not in live] if handle else []
    channels = [c for c in Appeal.Channel.choices if c[0] != Appeal.Channel.MY_PAGE]
    return {"appeals": appeals, "appealable": appealable, "channels": channels,
            "outcome_choices": Appeal.Outcome.choices}


def appeals_by_decision(decisions):
    """``{decision id: live appeal}`` for My page (one query)."""
    ids = [d.pk for d in decisions]
    if not ids:
        return {}
    appeals = (Appeal.objects.filter(decision_id__in=ids).exclude(status=Appeal.Status.WITHDRAWN)
               .select_related("outcome_letter"))
    return {a.decision_id: a for a in appeals}


def appealable_decision_for_citizen(case, pk):
    """A final decision on the citizen's case they may complain about, or
    ``Decision.DoesNotExist``."""
    decision = Decision.objects.select_related("template", "letter").get(
        case=case, pk=pk, status=Decision.Status.FINAL)
    if not may_appeal(decision):
        raise Decision.DoesNotExist
    decision.case = case
    return decision


def reassessments_due(user, horizon_days, today=None):
    """Open appeals on the user's cases whose reassessment deadline is within
    ``horizon_days`` or passed: a queryset for the dashboard's deadlines."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=horizon_days)
    return (Appeal.objects.filter(case__in=cases_for_staff(user).values("pk"),
                                  status__in=Appeal.OPEN_STATUSES, reassessment_deadline__lte=horizon)
            .select_related("case__assigned_to", "decision")
            .annotate(full_name=F("case__application__full_name"))
            .order_by("reassessment_deadline", "pk"))
