from django.urls import include, path
from wagtail import hooks

from .views.loan_policy import loan_policy_viewset


@hooks.register("register_admin_viewset")
def register_loan_policy_viewset():
    return loan_policy_viewset


@hooks.register("register_log_actions")
def register_case_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services.cases import SUBMITTED_ACTION

    actions.register_action(SUBMITTED_ACTION, _("Submit application"), _("Application submitted"))


@hooks.register("register_log_actions")
def register_citizen_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import citizen

    actions.register_action(citizen.STATUS_CHANGED_ACTION, _("Change case status"), _("Case status changed"))
    actions.register_action(citizen.WITHDRAWN_ACTION, _("Withdraw application"),
                            _("Application withdrawn by the citizen"))
    actions.register_action(citizen.INFORMATION_ANSWERED_ACTION, _("Answer request for information"),
                            _("Request for information answered by the citizen"))
    actions.register_action(citizen.CITIZEN_MESSAGE_ACTION, _("Send message"), _("Message from the citizen"))
    actions.register_action(citizen.CITIZEN_DOCUMENT_ACTION, _("Add document"),
                            _("Document added by the citizen"))


@hooks.register("register_admin_viewset")
def register_case_viewset():
    from .views.queue import case_viewset

    return case_viewset


@hooks.register("register_log_actions")
def register_casework_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import casework

    actions.register_action(casework.ASSIGNED_ACTION, _("Assign case"), _("Case assigned"))
    actions.register_action(casework.NOTE_ADDED_ACTION, _("Add journal note"), _("Journal note added"))
    actions.register_action(casework.INFORMATION_REQUESTED_ACTION, _("Ask the citizen for information"),
                            _("Information requested from the citizen"))
    actions.register_action(casework.STAFF_MESSAGE_ACTION, _("Write to the citizen"),
                            _("Message to the citizen"))


@hooks.register("register_admin_menu_item")
def register_audit_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import MenuItem

    class AuditMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.has_perm("backoffice.read_audit_log")

    return AuditMenuItem(_("Audit log"), reverse("backoffice:audit_staff"), icon_name="history", order=900)


@hooks.register("insert_global_admin_css")
def backoffice_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("backoffice/css/admin.css"))


@hooks.register("register_admin_urls")
def register_backoffice_urls():
    return [path("casework/", include("backoffice.admin_urls", namespace="backoffice"))]


@hooks.register("register_log_actions")
def register_talk_and_assessment_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import assessments, talks

    actions.register_action(talks.TALK_BOOKED_ACTION, _("Book talk"), _("Talk booked"))
    actions.register_action(talks.TALK_RESCHEDULED_ACTION, _("Change talk"), _("Talk changed"))
    actions.register_action(talks.TALK_CANCELLED_ACTION, _("Cancel talk"), _("Talk cancelled"))
    actions.register_action(talks.TALK_OUTCOME_ACTION, _("Write outcome of talk"), _("Outcome of talk written"))
    actions.register_action(assessments.ASSESSMENT_SAVED_ACTION, _("Save assessment draft"),
                            _("Assessment draft saved"))
    actions.register_action(assessments.ASSESSMENT_SUBMITTED_ACTION, _("Submit assessment"),
                            _("Assessment submitted"))
    actions.register_action(assessments.ASSESSMENT_REOPENED_ACTION, _("Reopen assessment"),
                            _("Assessment reopened"))


@hooks.register("register_admin_viewset")
def register_decision_template_viewset():
    from .views.decision_templates import decision_template_viewset

    return decision_template_viewset


@hooks.register("register_log_actions")
def register_decision_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import decisions

    actions.register_action(decisions.DRAFTED_ACTION, _("Draft decision"), _("Decision drafted"))
    actions.register_action(decisions.UPDATED_ACTION, _("Edit draft decision"), _("Draft decision edited"))
    actions.register_action(decisions.DISCARDED_ACTION, _("Delete draft decision"), _("Draft decision deleted"))
    actions.register_action(decisions.CONSULTATION_SENT_ACTION, _("Send draft decision for consultation"),
                            _("Draft decision sent to the citizen for comments"))
    actions.register_action(decisions.CONSULTATION_REPLIED_ACTION, _("Comment on draft decision"),
                            _("Citizen commented on the draft decision"))
    actions.register_action(decisions.DECIDED_ACTION, _("Make decision"), _("Decision made"))


# --- Dashboard panels and retention (issue 4, items 9 and 10) ---------------------------------------


@hooks.register("construct_homepage_panels")
def add_case_dashboard_panels(request, panels):
    from .panels import add_case_panels

    add_case_panels(request, panels)


@hooks.register("register_log_actions")
def register_interest_and_allowance_approval_log_actions(actions):
    # Issue 5 (interest in the ledger, four eyes on allowance payments).
    from django.utils.translation import gettext_lazy as _

    from .services import allowance, loans

    actions.register_action(loans.INTEREST_BOOKED_ACTION, _("Book interest"), _("Interest booked"))
    actions.register_action(allowance.ALLOWANCE_PAYMENT_APPROVED_ACTION, _("Approve allowance payment"),
                            _("Allowance payment approved"))
    actions.register_action(allowance.ALLOWANCE_PAYMENT_CANCELLED_ACTION, _("Cancel allowance payment request"),
                            _("Allowance payment request cancelled"))


@hooks.register("register_admin_viewset")
def register_retention_policy_viewset():
    from .views.retention_policy import retention_policy_viewset

    return retention_policy_viewset


@hooks.register("register_log_actions")
def register_retention_log_actions(actions):
    from django.utils.translation import gettext_lazy as _
    from wagtail.log_actions import LogFormatter

    from .services.retention import ANONYMISED_ACTION

    @actions.register_action(ANONYMISED_ACTION)
    class CaseAnonymised(LogFormatter):
        label = _("Anonymise case")

        def format_message(self, log_entry):
            if (log_entry.data or {}).get("reason") == "retention":
                return _("Case anonymised by the retention policy")
            return _("Case anonymised")


# --- Business set-up, follow-up and outcomes (issue 5, items 3, 6 and 7) ------------------------------


@hooks.register("register_log_actions")
def register_business_and_followup_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import business, followup, outcomes

    actions.register_action(business.BUSINESS_REGISTERED_ACTION, _("Register business"),
                            _("Business registered by the citizen"))
    actions.register_action(business.ACCOUNT_REGISTERED_ACTION, _("Register business bank account"),
                            _("Business bank account registered by the citizen"))
    actions.register_action(business.ACCOUNT_VERIFIED_ACTION, _("Verify business bank account"),
                            _("Business bank account verified"))
    actions.register_action(followup.FOLLOW_UPS_PLANNED_ACTION, _("Plan follow-up"), _("Follow-up planned"))
    actions.register_action(followup.FOLLOW_UP_RECORDED_ACTION, _("Write follow-up"), _("Follow-up written"))
    actions.register_action(followup.SELF_REPORT_ACTION, _("Send monthly report"),
                            _("Monthly report sent by the citizen"))
    actions.register_action(outcomes.OUTCOME_RECORDED_ACTION, _("Record outcome"), _("Outcome recorded"))


@hooks.register("register_admin_menu_item")
def register_waiting_for_account_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import MenuItem

    class WaitingForAccountMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.has_perm("backoffice.view_case")

    return WaitingForAccountMenuItem(_("Waiting for a business account"), reverse("backoffice:business_waiting"),
                                     icon_name="time", order=210)


# --- Cohorts and the course (issue 5, item 1) ------------------------------------------------------


@hooks.register("register_admin_menu_item")
def register_cohorts_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import MenuItem

    class CohortsMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.has_perm("backoffice.view_case")

    return CohortsMenuItem(_("Cohorts"), reverse("backoffice:cohorts"), icon_name="group", order=250)


@hooks.register("register_log_actions")
def register_course_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import courses

    actions.register_action(courses.ENROLLED_ACTION, _("Give a place on a cohort"), _("Place on a cohort given"))
    actions.register_action(courses.WAITING_ACTION, _("Put on a cohort's waiting list"),
                            _("Put on a cohort's waiting list"))
    actions.register_action(courses.MOVED_UP_ACTION, _("Move up from the waiting list"),
                            _("Moved up from the waiting list to a place on the cohort"))
    actions.register_action(courses.ENDED_ACTION, _("Record how the course ended"), _("End of course recorded"))
    actions.register_action(courses.ATTENDANCE_ACTION, _("Record attendance"), _("Attendance recorded"))
    actions.register_action(courses.COACHING_ACTION, _("Write coaching note"), _("Coaching note written"))
    actions.register_action(courses.COHORT_CREATED_ACTION, _("Create cohort"), _("Cohort created"))
    actions.register_action(courses.COHORT_CHANGED_ACTION, _("Change cohort"), _("Cohort changed"))
    actions.register_action(courses.SESSION_ADDED_ACTION, _("Add session"), _("Session added"))
    actions.register_action(courses.SESSION_CHANGED_ACTION, _("Change session"), _("Session changed"))
    actions.register_action(courses.GROUP_COACHING_ACTION, _("Write group coaching note"),
                            _("Group coaching note written"))


@hooks.register("register_log_actions")
def register_loan_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import loans

    actions.register_action(loans.LOAN_GRANTED_ACTION, _("Record granted loan"), _("Loan granted"))
    actions.register_action(loans.DISBURSEMENT_REQUESTED_ACTION, _("Request payout"), _("Payout requested"))
    actions.register_action(loans.DISBURSEMENT_CANCELLED_ACTION, _("Cancel payout request"),
                            _("Payout request cancelled"))
    actions.register_action(loans.DISBURSEMENT_APPROVED_ACTION, _("Approve payout"), _("Payout approved"))
    actions.register_action(loans.PAYMENT_RECORDED_ACTION, _("Record repayment"), _("Repayment recorded"))
    actions.register_action(loans.WRITTEN_OFF_ACTION, _("Write off loan"), _("Loan written off"))
    actions.register_action(loans.ENTRY_CORRECTED_ACTION, _("Correct ledger entry"),
                            _("Ledger entry corrected"))
    actions.register_action(loans.LOAN_CLOSED_ACTION, _("Close loan"), _("Loan closed"))
    actions.register_action(loans.REMINDER_SENT_ACTION, _("Send payment reminder"),
                            _("Payment reminder sent"))


@hooks.register("register_admin_menu_item")
def register_payment_import_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import MenuItem

    class PaymentImportMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.has_perm("backoffice.manage_loan")

    return PaymentImportMenuItem(_("Import payments"), reverse("backoffice:loan_import"), icon_name="upload",
                                 order=850)


@hooks.register("register_log_actions")
def register_allowance_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import allowance

    actions.register_action(allowance.ALLOWANCE_GRANTED_ACTION, _("Record granted subsistence allowance"),
                            _("Subsistence allowance granted"))
    actions.register_action(allowance.ALLOWANCE_PAYMENT_ACTION, _("Ask for allowance payment"),
                            _("Allowance payment asked for (awaits a second person's approval)"))


# --- Statistics menu and parameter log actions (issue 6, H4) ---------------------------------------


@hooks.register("register_admin_menu_item")
def register_statistics_menu():
    from django.urls import reverse_lazy
    from django.utils.translation import gettext_lazy as _
    from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

    class StatisticsMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.has_perm("backoffice.view_statistics")

    class StatisticsSubmenu(SubmenuMenuItem):
        def is_shown(self, request):
            return request.user.has_perm("backoffice.view_statistics")

    items = [
        (_("Overview"), "statistics_index", "view"),
        (_("Evaluation report"), "statistics_evaluation", "doc-full"),
        (_("Funnel"), "statistics_funnel", "filter"),
        (_("Business accounts"), "statistics_accounts", "time"),
        (_("Break-even"), "statistics_break_even", "order"),
        (_("Budget"), "statistics_budget", "list-ul"),
    ]
    menu = Menu(items=[
        StatisticsMenuItem(label, reverse_lazy(f"backoffice:{name}"), name=f"statistics-{name}", icon_name=icon,
                           order=index * 10)
        for index, (label, name, icon) in enumerate(items)
    ])
    return StatisticsSubmenu(_("Statistics"), menu, name="statistics", icon_name="table", order=700)


@hooks.register("register_log_actions")
def register_statistics_settings_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import statistics_settings as s

    actions.register_action(s.TARGET_SAVED_ACTION, _("Save yearly target"), _("Yearly target saved"))
    actions.register_action(s.TARGET_DELETED_ACTION, _("Delete yearly target"), _("Yearly target deleted"))
    actions.register_action(s.BREAK_EVEN_SAVED_ACTION, _("Save break-even parameters"),
                            _("Break-even parameters saved"))
    actions.register_action(s.BUDGET_LINE_SAVED_ACTION, _("Save budget line"), _("Budget line saved"))
    actions.register_action(s.BUDGET_LINE_DELETED_ACTION, _("Delete budget line"), _("Budget line deleted"))
    actions.register_action(s.EXPENSE_SAVED_ACTION, _("Save expense"), _("Expense saved"))
    actions.register_action(s.EXPENSE_DELETED_ACTION, _("Delete expense"), _("Expense deleted"))


@hooks.register("register_log_actions")
def register_import_and_referral_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services import case_import, referral

    actions.register_action(case_import.IMPORTED_ACTION, _("Import case"), _("Case imported from earlier records"))
    actions.register_action(referral.REFERRED_ACTION, _("Refer to the ordinary employment effort"),
                            _("Referred to the ordinary employment effort"))
