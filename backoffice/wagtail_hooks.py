from wagtail import hooks

from .viewsets import loan_policy_viewset


@hooks.register("register_admin_viewset")
def register_loan_policy_viewset():
    return loan_policy_viewset


@hooks.register("register_log_actions")
def register_case_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    from .services.cases import SUBMITTED_ACTION

    actions.register_action(SUBMITTED_ACTION, _("Submit application"), _("Application submitted"))
