from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import LoanPolicy
from ..tenancy import visible_municipalities


def _policies_for(user):
    return LoanPolicy.objects.filter(municipality__in=visible_municipalities(user)).select_related("municipality")


class LoanPolicyIndexView(generic.IndexView):
    def get_base_queryset(self):
        return _policies_for(self.request.user)


class _Scoped:
    # Another municipality's policy is a 404, not a 403: staff learn nothing
    # about data outside their municipality. Every view that takes a policy id
    # (edit, delete, history, usage) looks it up among the user's own.
    def get_queryset(self):
        return _policies_for(self.request.user)

    def get_base_object_queryset(self):
        return _policies_for(self.request.user)


class LoanPolicyEditView(_Scoped, generic.EditView):
    pass


class LoanPolicyDeleteView(_Scoped, generic.DeleteView):
    pass


class LoanPolicyHistoryView(_Scoped, generic.HistoryView):
    pass


class LoanPolicyUsageView(_Scoped, generic.UsageView):
    pass


class LoanPolicyViewSet(ModelViewSet):
    """The committee's loan terms per municipality; shown on the public site.
    Coordinators edit their own municipality's policy."""

    model = LoanPolicy
    icon = "form"
    menu_label = _("Loan policy")
    add_to_admin_menu = True
    menu_order = 800
    index_view_class = LoanPolicyIndexView
    edit_view_class = LoanPolicyEditView
    delete_view_class = LoanPolicyDeleteView
    history_view_class = LoanPolicyHistoryView
    usage_view_class = LoanPolicyUsageView
    form_fields = ["min_amount", "max_amount", "annual_interest_rate", "grace_months",
                   "repayment_months", "allowance_months",
                   # Collection (services.collection): reminder days, fee, notice, the claim at Gældsstyrelsen.
                   "reminder_1_days", "reminder_2_days", "notice_days", "notice_deadline_days",
                   "reminder_spacing_days", "reminder_fee_dkk", "max_reminder_fees", "claim_type_code",
                   "debtor_is_business",
                   # De minimis state aid (services.de_minimis): the reference rate and the ceiling.
                   "de_minimis_enabled", "eu_base_rate", "eu_base_rate_set_on", "de_minimis_margin",
                   "eur_dkk_rate", "de_minimis_ceiling_eur"]
    list_display = ["municipality", "min_amount", "max_amount", "annual_interest_rate"]
    copy_view_enabled = False
    inspect_view_enabled = False


loan_policy_viewset = LoanPolicyViewSet("loan_policy")
