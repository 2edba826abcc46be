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


@hooks.register("register_admin_urls")
def register_backoffice_urls():
    return [path("casework/", include("backoffice.admin_urls", namespace="backoffice"))]
