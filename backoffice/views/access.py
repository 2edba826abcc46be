"""How every staff view finds the case it works on, and records the look.

A case of another municipality (or one that does not exist) is a 404, so
staff learn nothing about data outside their municipality; a case of their
own municipality that their role may not handle is a 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ..models import AccessLogEntry, Case
from ..tenancy import cases_for_staff


def staff_case_or_404(request, pk, *, permission=None, queryset=None):
    """The case ``pk`` as ``request.user`` may see it (``tenancy.cases_for_staff``).

    ``permission``: what the view does to the case (e.g.
    ``"backoffice.handle_case"``); missing it gives 403, after the 404 check.
    ``queryset``: a ``Case`` queryset with the view's select/prefetch."""
    try:
        case = cases_for_staff(request.user, queryset).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such case") from exc
    if permission and not request.user.has_perm(permission):
        raise PermissionDenied
    return case


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def log_access(request, action, *, case=None, document=None):
    """Record that ``request.user`` read personal data (a case page, a
    document, an export). Never pass search terms or CPR numbers here."""
    user = request.user
    case = case or (document.case if document is not None else None)
    return AccessLogEntry.objects.create(
        user=user, user_label=(user.get_username() or "")[:150],
        municipality_id=case.municipality_id if case is not None else None,
        case=case, document=document, action=action, ip=client_ip(request),
    )
