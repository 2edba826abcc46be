"""Staff actions on a letter that did not reach the citizen: send it again,
or record that it was printed and posted. Thin: the checks, the change and
the audit entry are ``services.digital_post``'s. Another municipality's
case is a 404 (``staff_case_or_404``), a role without the permission 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..models import LetterDispatch
from ..services import digital_post as services
from .access import staff_case_or_404
from .case import case_url

ANCHOR = "digital-post"


def _dispatch(request, case_pk, pk):
    case = staff_case_or_404(request, case_pk)
    dispatch = LetterDispatch.objects.filter(pk=pk, case=case).select_related("case").first()
    if dispatch is None:
        raise Http404("No such letter")
    if not services.may_handle(request.user, dispatch):
        raise PermissionDenied
    return case, dispatch


def _act(request, case_pk, pk, action, done):
    case, dispatch = _dispatch(request, case_pk, pk)
    try:
        action(dispatch, request.user)
    except services.DispatchRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(case_url(case, ANCHOR))


@require_POST
def send_again(request, case_pk, pk):
    return _act(request, case_pk, pk, services.send_again, _("The letter is being sent again."))


@require_POST
def mark_printed(request, case_pk, pk):
    return _act(request, case_pk, pk, services.mark_printed,
                _("The letter has been recorded as printed and posted."))
