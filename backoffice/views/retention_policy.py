"""The retention policy in the admin (Settings → Retention of personal
data). Coordinators edit their own municipality's policy; every view looks
the policy up among the user's municipalities, so another municipality's
policy is a 404, not a 403."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import RetentionPolicy
from ..tenancy import municipality_of, visible_municipalities


def _policies_for(user):
    return RetentionPolicy.objects.filter(
        municipality__in=visible_municipalities(user)).select_related("municipality")


class _Scoped:
    def get_queryset(self):
        return _policies_for(self.request.user)

    def get_base_object_queryset(self):
        return _policies_for(self.request.user)


class RetentionPolicyIndexView(generic.IndexView):
    def get_base_queryset(self):
        return _policies_for(self.request.user)

    def get(self, request, *args, **kwargs):
        # Like Wagtail's site settings: the policy exists from the first look,
        # with the defaults that apply until the coordinator changes them.
        municipality = municipality_of(request.user)
        if municipality is not None and self.permission_policy.user_has_permission(request.user, "change"):
            RetentionPolicy.objects.get_or_create(municipality=municipality)
        return super().get(request, *args, **kwargs)


class RetentionPolicyEditView(_Scoped, generic.EditView):
    pass


class RetentionPolicyDeleteView(_Scoped, generic.DeleteView):
    pass


class RetentionPolicyHistoryView(_Scoped, generic.HistoryView):
    pass


class RetentionPolicyUsageView(_Scoped, generic.UsageView):
    pass


class RetentionPolicyViewSet(ModelViewSet):
    """How long each municipality keeps personal data; applied nightly by
    ``manage.py apply_retention``."""

    model = RetentionPolicy
    icon = "time"
    menu_label = _("Retention of personal data")
    add_to_settings_menu = True
    menu_order = 850
    index_view_class = RetentionPolicyIndexView
    edit_view_class = RetentionPolicyEditView
    delete_view_class = RetentionPolicyDeleteView
    history_view_class = RetentionPolicyHistoryView
    usage_view_class = RetentionPolicyUsageView
    form_fields = ["draft_retention_days", "anonymise_rejected_after_years", "anonymise_closed_after_years"]
    list_display = ["municipality", "draft_retention_days", "anonymise_rejected_after_years",
                    "anonymise_closed_after_years"]
    copy_view_enabled = False
    inspect_view_enabled = False


retention_policy_viewset = RetentionPolicyViewSet("retention_policy")
