"""The case queue: every case of the staff member's municipality, filtered,
searched, sorted and paged by Wagtail's generic listing, exported to CSV or
Excel by the coordinator.

Only the listing comes from the viewset; a case is never edited through a
generic form (every change goes through a service), so the add, edit and
delete views are left out and the title links to the case page."""

import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from ..lifecycle import OPEN_STATUSES
from ..models import AccessLogEntry, Case, InformationRequest, TargetGroup
from ..tenancy import cases_for_staff, municipality_of
from .access import log_access

S = Case.Status
CPR_SEARCH = re.compile(r"^\s*\d{6}-?\d{4}\s*$")
REFERENCE_SEARCH = re.compile(r"^\s*[A-Za-zÆØÅæøå]{2,5}-\d{4}-\d{1,6}\s*$")

MINE, UNASSIGNED = "me", "none"


def waiting_for_citizen():
    """An open request for information: the case waits on the citizen."""
    return Exists(InformationRequest.objects.filter(case=OuterRef("pk"), answered_at__isnull=True))


class CaseFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=[c for c in S.choices if c[0] != S.ANONYMISED],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Without a choice: all open cases."),
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"), queryset=TargetGroup.objects.filter(active=True).order_by("sort_order"),
    )
    assigned = django_filters.ChoiceFilter(label=_("Assigned to"), method="filter_assigned", empty_label=_("Anyone"))
    received_on = django_filters.DateFromToRangeFilter(label=_("Received"), widget=DateRangePickerWidget)
    waiting = django_filters.BooleanFilter(
        label=_("Waiting for the citizen"), method="filter_waiting",
        widget=forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = Case
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        staff = get_user_model().objects.none()
        municipality = municipality_of(request.user) if request else None
        if municipality is not None:
            from ..services.casework import assignable_staff

            staff = assignable_staff(municipality)
        self.filters["assigned"].extra["choices"] = [
            (MINE, _("Me")), (UNASSIGNED, _("Nobody")),
            *[(str(user.pk), user.get_full_name() or user.get_username()) for user in staff],
        ]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        return queryset

    def filter_assigned(self, queryset, name, value):
        if value == MINE:
            return queryset.filter(assigned_to=self.request.user)
        if value == UNASSIGNED:
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to_id=value) if value.isdigit() else queryset.none()

    def filter_waiting(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(waiting_for_citizen=value)


def _assignee_name(case):
    user = case.assigned_to
    return (user.get_full_name() or user.get_username()) if user else ""


class CaseIndexView(generic.IndexView):
    """The queue. Search: a reference ("NOR-2026-00042"), its start, or part of a name.
    A CPR number is never searched here (it would land in the address bar
    and server logs): "Find by CPR number" posts it instead."""

    page_title = _("Cases")
    results_template_name = "backoffice/cases/index_results.html"
    paginate_by = 50
    default_ordering = "-submitted_at"
    search_fields = ["application__full_name"]
    search_backend_name = None
    export_filename = "sager"
    export_fields = ["reference", "full_name", "status_label", "target_group_label", "assignee",
                     "received_on", "waiting_for_citizen", "kle_number", "kle_facet"]
    export_headings = {
        "reference": _("Reference"), "full_name": _("Name"), "status_label": _("Status"),
        "target_group_label": _("Target group"), "assignee": _("Assigned to"),
        "received_on": _("Received"), "waiting_for_citizen": _("Waiting for the citizen"),
        "kle_number": _("KLE number"), "kle_facet": _("Action facet"),
    }

    def get_base_queryset(self):
        return (
            cases_for_staff(self.request.user)
            .select_related("application", "target_group", "assigned_to")
            .annotate(waiting_for_citizen=waiting_for_citizen())
        )

    @cached_property
    def columns(self):
        return [
            TitleColumn("reference", label=_("Reference"), sort_key="reference",
                        get_url=lambda case: reverse("backoffice:case", args=[case.pk])),
            Column("full_name", label=_("Name"), accessor="application.full_name",
                   sort_key="application__full_name"),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda case: case.status in (S.SUBMITTED, S.CONSULTATION)),
            Column("target_group", label=_("Target group"), accessor="target_group.name_da"),
            Column("assigned_to", label=_("Assigned to"), accessor=_assignee_name,
                   sort_key="assigned_to__first_name"),
            DateColumn("received_on", label=_("Received"), sort_key="submitted_at"),
            Column("waiting", label=_("Waiting for the citizen"),
                   accessor=lambda case: _("Yes") if case.waiting_for_citizen else ""),
        ]

    def get_valid_orderings(self):
        return super().get_valid_orderings() + ["submitted_at", "-submitted_at"]

    def order_queryset(self, queryset):
        # The id breaks ties so that paging is stable.
        ordering = self.ordering if isinstance(self.ordering, (list, tuple)) else [self.ordering]
        return queryset.order_by(*ordering, "-pk")

    def search_queryset(self, queryset):
        query = (self.search_query or "").strip()
        if not query:
            return queryset
        if CPR_SEARCH.match(query):
            return queryset.none()
        if REFERENCE_SEARCH.match(query):
            return queryset.filter(reference__iexact=query)
        if any(char.isdigit() for char in query):  # part of a reference ("NOR-2026")
            return queryset.filter(reference__istartswith=query)
        return queryset.filter(application__full_name__icontains=query)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["cpr_search_looks_like_cpr"] = bool(CPR_SEARCH.match(self.search_query or ""))
        return context

    def get_edit_url(self, instance):
        return reverse("backoffice:case", args=[instance.pk])

    def get_add_url(self):
        return None

    @cached_property
    def header_buttons(self):
        buttons = [HeaderButton(_("Find by CPR number"), url=reverse("backoffice:find_by_cpr"), icon_name="search")]
        return buttons

    def get_list_more_buttons(self, instance):
        return []

    # Export: the coordinator only (others see no buttons); every export is logged.
    @cached_property
    def list_export(self):
        return self.export_fields if self.request.user.has_perm("backoffice.export_cases") else []

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            if not self.request.user.has_perm("backoffice.export_cases"):
                raise PermissionDenied
            log_access(self.request, AccessLogEntry.Action.EXPORT)
        return super().render_to_response(context, **response_kwargs)

    # Values for the export columns.
    def to_row_dict(self, item):
        return {
            "reference": item.reference,
            "full_name": getattr(getattr(item, "application", None), "full_name", ""),
            "status_label": str(item.get_status_display()),
            "target_group_label": item.target_group.name_da if item.target_group else "",
            "assignee": _assignee_name(item),
            "received_on": item.received_on,
            "waiting_for_citizen": str(_("Yes") if item.waiting_for_citizen else _("No")),
            "kle_number": item.kle_number,
            "kle_facet": item.kle_facet,
        }

    def get_filename(self):
        return f"sager-{timezone.localdate():%Y-%m-%d}"


class CaseViewSet(ModelViewSet):
    model = Case
    icon = "folder-open-inverse"
    menu_label = _("Cases")
    menu_name = "cases"
    add_to_admin_menu = True
    menu_order = 150
    index_view_class = CaseIndexView
    filterset_class = CaseFilterSet
    inspect_view_enabled = False
    copy_view_enabled = False
    form_fields = []

    def get_index_view_kwargs(self, **kwargs):
        view_kwargs = super().get_index_view_kwargs(
            add_url_name=None, edit_url_name=None, delete_url_name=None, copy_url_name=None,
            inspect_url_name=None, **kwargs,
        )
        # The listing's settings live on CaseIndexView, not the viewset's defaults.
        for name in ("results_template_name", "list_export", "export_headings", "export_filename", "paginate_by", "default_ordering",
                     "search_fields", "search_backend_name", "list_display", "list_filter"):
            view_kwargs.pop(name, None)
        return view_kwargs

    def get_urlpatterns(self):
        # The listing only: cases change through services, never a generic form.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def register_reference_index(self):
        # Cases hold no references editors need to follow ("usage"), and the
        # index would queue a task on every save of every case.
        pass

    def register_admin_url_finder(self):
        from wagtail.admin.admin_url_finder import register_admin_url_finder

        register_admin_url_finder(Case, CaseURLFinder)


class CaseURLFinder:
    """Where Wagtail's reports (site history) link a case: its case page,
    for staff who may see it."""

    def __init__(self, user=None):
        self.user = user

    def get_edit_url(self, instance):
        if self.user is None or not cases_for_staff(self.user).filter(pk=instance.pk).exists():
            return None
        return reverse("backoffice:case", args=[instance.pk])


case_viewset = CaseViewSet("cases")
