"""Writes of the evaluation's parameters by the coordinator: yearly targets,
break-even inputs, budget lines and expenses.

The municipality always comes from the user (never from a form), a row of
another municipality is not found, and every write leaves an entry in the
audit log."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from wagtail.log_actions import log

from ..models import BreakEvenParameters, BudgetLine, Expense, YearlyTarget
from ..tenancy import municipality_of

TARGET_SAVED_ACTION = "backoffice.statistics.target_saved"
TARGET_DELETED_ACTION = "backoffice.statistics.target_deleted"
BREAK_EVEN_SAVED_ACTION = "backoffice.statistics.break_even_saved"
BUDGET_LINE_SAVED_ACTION = "backoffice.statistics.budget_line_saved"
BUDGET_LINE_DELETED_ACTION = "backoffice.statistics.budget_line_deleted"
EXPENSE_SAVED_ACTION = "backoffice.statistics.expense_saved"
EXPENSE_DELETED_ACTION = "backoffice.statistics.expense_deleted"

MODELS = {"yearlytarget": YearlyTarget, "breakevenparameters": BreakEvenParameters,
          "budgetline": BudgetLine, "expense": Expense}


def may(user, action, model_name):
    return user.has_perm(f"backoffice.{action}_{model_name}")


def own_municipality(user, action, model_name):
    """The user's municipality, if they hold the permission; else refused."""
    if not may(user, action, model_name):
        raise PermissionDenied
    municipality = municipality_of(user)
    if municipality is None:
        raise PermissionDenied
    return municipality


def own_row(user, model_name, pk, action="change"):
    """A parameter row of the user's own municipality; another
    municipality's row is not found (404), as if it did not exist."""
    municipality = own_municipality(user, action, model_name)
    row = MODELS[model_name].objects.filter(pk=pk, municipality=municipality).first()
    if row is None:
        raise Http404
    return row


def _fields(instance, names):
    return {name: str(getattr(instance, name)) for name in names}


@transaction.atomic
def save_yearly_target(user, *, year, participants_target, businesses_target):
    """Set the year's targets (one row per year: a second save changes it)."""
    existing = YearlyTarget.objects.filter(municipality=municipality_of(user), year=year).first()
    municipality = own_municipality(user, "change" if existing else "add", "yearlytarget")
    target, created = YearlyTarget.objects.update_or_create(
        municipality=municipality, year=year,
        defaults={"participants_target": participants_target, "businesses_target": businesses_target},
    )
    log(instance=target, action=TARGET_SAVED_ACTION, user=user, data={
        "created": created, **_fields(target, ("year", "participants_target", "businesses_target")),
    })
    return target


@transaction.atomic
def delete_yearly_target(user, pk):
    target = own_row(user, "yearlytarget", pk, action="delete")
    log(instance=target, action=TARGET_DELETED_ACTION, user=user,
        data=_fields(target, ("year", "participants_target", "businesses_target")))
    target.delete()


BREAK_EVEN_FIELDS = ("yearly_project_cost_dkk", "coordinator_dkk", "consultant_dkk", "courses_and_external_dkk",
                     "yearly_support_saved_per_citizen_dkk", "horizon_years")


@transaction.atomic
def save_break_even_parameters(user, values):
    """Save the municipality's break-even inputs (``values``: field → value)."""
    existing = BreakEvenParameters.objects.filter(municipality=municipality_of(user)).first()
    municipality = own_municipality(user, "change" if existing else "add", "breakevenparameters")
    parameters = existing or BreakEvenParameters(municipality=municipality)
    before = _fields(parameters, BREAK_EVEN_FIELDS) if existing else None
    for name in BREAK_EVEN_FIELDS:
        if name in values:
            setattr(parameters, name, values[name])
    parameters.full_clean()
    parameters.save()
    log(instance=parameters, action=BREAK_EVEN_SAVED_ACTION, user=user,
        data={"before": before, "after": _fields(parameters, BREAK_EVEN_FIELDS)})
    return parameters


BUDGET_LINE_FIELDS = ("year", "category", "budget_dkk", "note")
EXPENSE_FIELDS = ("spent_on", "category", "amount_dkk", "note")


@transaction.atomic
def save_budget_line(user, values, *, pk=None):
    return _save(user, "budgetline", BudgetLine, BUDGET_LINE_FIELDS, values, pk, BUDGET_LINE_SAVED_ACTION)


@transaction.atomic
def delete_budget_line(user, pk):
    return _delete(user, "budgetline", BUDGET_LINE_FIELDS, pk, BUDGET_LINE_DELETED_ACTION)


@transaction.atomic
def save_expense(user, values, *, pk=None):
    return _save(user, "expense", Expense, EXPENSE_FIELDS, values, pk, EXPENSE_SAVED_ACTION,
                 extra={"created_by": user})


@transaction.atomic
def delete_expense(user, pk):
    return _delete(user, "expense", EXPENSE_FIELDS, pk, EXPENSE_DELETED_ACTION)


def _save(user, model_name, model, fields, values, pk, action, extra=None):
    if pk is None:
        municipality = own_municipality(user, "add", model_name)
        row = model(municipality=municipality, **(extra or {}))
        before = None
    else:
        row = own_row(user, model_name, pk)
        before = _fields(row, fields)
    for name in fields:
        if name in values:
            setattr(row, name, values[name])
    row.full_clean()
    row.save()
    log(instance=row, action=action, user=user, data={"before": before, "after": _fields(row, fields)})
    return row


def _delete(user, model_name, fields, pk, action):
    row = own_row(user, model_name, pk, action="delete")
    log(instance=row, action=action, user=user, data=_fields(row, fields))
    row.delete()
