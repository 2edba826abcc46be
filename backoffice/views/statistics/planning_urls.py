"""Statistics URLs (see urls.py): the overview, funnel, business-account
barrier, break-even and budget pages, and the coordinator's parameters."""

from django.urls import path

from . import settings
from .barrier import barrier_view
from .break_even import break_even_view
from .budget import budget_view
from .de_minimis import de_minimis_view
from .funnel import funnel_view
from .index import index_view

urlpatterns = [
    path("", index_view, name="statistics_index"),
    path("funnel/", funnel_view, name="statistics_funnel"),
    path("business-accounts/", barrier_view, name="statistics_accounts"),
    path("break-even/", break_even_view, name="statistics_break_even"),
    path("budget/", budget_view, name="statistics_budget"),
    path("de-minimis/", de_minimis_view, name="statistics_de_minimis"),
    path("targets/", settings.target_save, name="statistics_target_save"),
    path("targets/<int:pk>/", settings.target_edit, name="statistics_target"),
    path("targets/<int:pk>/delete/", settings.target_delete, name="statistics_target_delete"),
    path("break-even/parameters/", settings.break_even_parameters, name="statistics_break_even_parameters"),
    path("budget/lines/", settings.budget_line_new, name="statistics_budget_line_new"),
    path("budget/lines/<int:pk>/", settings.budget_line_edit, name="statistics_budget_line"),
    path("budget/lines/<int:pk>/delete/", settings.budget_line_delete, name="statistics_budget_line_delete"),
    path("budget/expenses/", settings.expense_new, name="statistics_expense_new"),
    path("budget/expenses/<int:pk>/", settings.expense_edit, name="statistics_expense"),
    path("budget/expenses/<int:pk>/delete/", settings.expense_delete, name="statistics_expense_delete"),
]
