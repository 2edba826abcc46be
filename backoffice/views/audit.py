"""The audit trail for the coordinator: per case, what was changed (Wagtail's
log entries) and who looked (the access log); per staff member, the same
across the municipality's cases. Reading these is itself not logged: they
hold no personal data beyond the case references."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import CharField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import ModelLogEntry

from ..models import AccessLogEntry, Case
from ..tenancy import cases_for_staff, municipality_of
from .access import staff_case_or_404

PER_PAGE = 50


def _require_audit_reader(request):
    if not request.user.has_perm("backoffice.read_audit_log"):
        raise PermissionDenied


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("p"))


def _case_entries(cases):
    ids = cases.annotate(pk_text=Cast("pk", CharField())).values("pk_text")
    return ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id__in=ids)


def case_log(request, pk):
    _require_audit_reader(request)
    case = staff_case_or_404(request, pk)
    changes = (ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case),
                                             object_id=str(case.pk))
               .select_related("user").order_by("-timestamp", "-pk"))
    reads = AccessLogEntry.objects.filter(case=case).select_related("user", "document").order_by("-at", "-pk")
    return render(request, "backoffice/audit/case_log.html", {
        "case": case, "changes": _page(request, changes), "reads": reads[:500],
        "page_title": _("Audit log – %(reference)s") % {"reference": case.reference},
        "breadcrumbs_items": [
            {"url": reverse("cases:index"), "label": _("Cases")},
            {"url": reverse("backoffice:case", args=[case.pk]), "label": case.reference},
            {"url": "", "label": _("Audit log")},
        ],
    })


def _staff_of(request):
    users = get_user_model().objects.filter(staff_membership__isnull=False)
    if not request.user.is_superuser:
        users = users.filter(staff_membership__municipality=municipality_of(request.user))
    return users.select_related("staff_membership__municipality").order_by("first_name", "last_name", "email")


def staff_index(request):
    _require_audit_reader(request)
    return render(request, "backoffice/audit/staff_index.html", {
        "staff": _staff_of(request), "page_title": _("Audit log per staff member"),
        "breadcrumbs_items": [{"url": "", "label": _("Audit log per staff member")}],
    })


def user_log(request, user_pk):
    _require_audit_reader(request)
    person = _staff_of(request).filter(pk=user_pk).first()
    if person is None:
        raise Http404("No such staff member")
    cases = cases_for_staff(request.user, Case.objects.all())
    changes = _case_entries(cases).filter(user=person).order_by("-timestamp", "-pk")
    reads = (AccessLogEntry.objects.filter(user=person, case__in=cases)
             .select_related("case", "document").order_by("-at", "-pk"))
    changes_page = _page(request, changes)
    references = dict(cases.filter(pk__in=[int(entry.object_id) for entry in changes_page])
                      .values_list("pk", "reference"))
    for entry in changes_page:
        entry.case_reference = references.get(int(entry.object_id))
        entry.case_id_int = int(entry.object_id)
    return render(request, "backoffice/audit/user_log.html", {
        "person": person, "changes": changes_page, "reads": reads[:500],
        "page_title": _("Audit log – %(name)s") % {"name": person.get_full_name() or person.get_username()},
        "breadcrumbs_items": [
            {"url": reverse("backoffice:audit_staff"), "label": _("Audit log per staff member")},
            {"url": "", "label": person.get_full_name() or person.get_username()},
        ],
    })
