"""The backoffice inside the Wagtail admin: its viewsets, URLs, menu items,
dashboard panels, admin CSS and the audit log's actions (``log_actions``)."""

from django.templatetags.static import static
from django.urls import include, path, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import log_actions
from .services import payments
from .services.retention import CASE_ANONYMISED_HOOK


class PermissionMixin:
    """Shown only to users with ``permission`` (the views check it again)."""

    def __init__(self, *args, permission, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class PermissionMenuItem(PermissionMixin, MenuItem):
    pass


class PermissionSubmenu(PermissionMixin, SubmenuMenuItem):
    pass


# --- Viewsets, URLs, CSS -----------------------------------------------------------------------------


@hooks.register("register_admin_viewset")
def register_loan_policy_viewset():
    from .views.loan_policy import loan_policy_viewset

    return loan_policy_viewset


@hooks.register("register_admin_viewset")
def register_case_viewset():
    from .views.queue import case_viewset

    return case_viewset


@hooks.register("register_admin_viewset")
def register_decision_template_viewset():
    from .views.decision_templates import decision_template_viewset

    return decision_template_viewset


@hooks.register("register_admin_viewset")
def register_retention_policy_viewset():
    from .views.retention_policy import retention_policy_viewset

    return retention_policy_viewset


@hooks.register("register_admin_urls")
def register_backoffice_urls():
    return [path("casework/", include("backoffice.admin_urls", namespace="backoffice"))]


@hooks.register("insert_global_admin_css")
def backoffice_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("backoffice/css/admin.css"))


@hooks.register("register_log_actions")
def register_log_actions(actions):
    log_actions.register(actions)


@hooks.register("construct_homepage_panels")
def add_case_dashboard_panels(request, panels):
    from .panels import add_case_panels

    add_case_panels(request, panels)


# --- Menu ----------------------------------------------------------------------------------------------


@hooks.register("register_admin_menu_item")
def register_waiting_for_account_menu_item():
    return PermissionMenuItem(_("Waiting for a business account"), reverse_lazy("backoffice:business_waiting"),
                              icon_name="time", order=210, permission="backoffice.view_case")


@hooks.register("register_admin_menu_item")
def register_cohorts_menu_item():
    return PermissionMenuItem(_("Cohorts"), reverse_lazy("backoffice:cohorts"), icon_name="group", order=250,
                              permission="backoffice.view_case")


@hooks.register("register_admin_menu_item")
def register_statistics_menu():
    items = [
        (_("Overview"), "statistics_index", "view"),
        (_("Evaluation report"), "statistics_evaluation", "doc-full"),
        (_("Funnel"), "statistics_funnel", "filter"),
        (_("Business accounts"), "statistics_accounts", "time"),
        (_("Break-even"), "statistics_break_even", "order"),
        (_("Budget"), "statistics_budget", "list-ul"),
    ]
    menu = Menu(items=[
        PermissionMenuItem(label, reverse_lazy(f"backoffice:{name}"), name=f"statistics-{name}", icon_name=icon,
                           order=index * 10, permission="backoffice.view_statistics")
        for index, (label, name, icon) in enumerate(items)
    ])
    return PermissionSubmenu(_("Statistics"), menu, name="statistics", icon_name="table", order=700,
                             permission="backoffice.view_statistics")


@hooks.register("register_admin_menu_item")
def register_payment_import_menu_item():
    return PermissionMenuItem(_("Import payments"), reverse_lazy("backoffice:loan_import"), icon_name="upload",
                              order=850, permission="backoffice.manage_loan")


@hooks.register("register_admin_menu_item")
def register_collection_menu_item():
    return PermissionMenuItem(_("Collection"), reverse_lazy("backoffice:collection"), icon_name="warning",
                              order=845, permission="backoffice.manage_loan")


@hooks.register(CASE_ANONYMISED_HOOK)
def anonymise_payment_orders(case):
    """The payment orders name who was paid (a CPR, a sole trader's CVR)."""
    payments.anonymise(case)


@hooks.register("register_admin_menu_item")
def register_payment_orders_menu_item():
    return PermissionMenuItem(_("Payment orders"), reverse_lazy("backoffice:payment_orders"), icon_name="download",
                              order=840, permission="backoffice.manage_loan")


@hooks.register("register_admin_menu_item")
def register_audit_menu_item():
    return PermissionMenuItem(_("Audit log"), reverse_lazy("backoffice:audit_staff"), icon_name="history",
                              order=900, permission="backoffice.read_audit_log")
