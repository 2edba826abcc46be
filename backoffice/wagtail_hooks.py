from wagtail import hooks

from .viewsets import loan_policy_viewset


@hooks.register("register_admin_viewset")
def register_loan_policy_viewset():
    return loan_policy_viewset
