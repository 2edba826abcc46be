"""The calendar file (.ics) of a screening talk, for the citizen's own
calendar. Same rule as the rest of My page: looked up with the logged-in
citizen AND this site's municipality, so anybody else gets a 404. A visitor
who is not logged in is sent to log in first (before any lookup, so that
says nothing about whether the talk exists)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import reverse
from django.views.decorators.cache import never_cache

from backoffice import selectors
from backoffice.calendar import talk_ics_response
from backoffice.models import Case, ScreeningTalk

from .selectors import municipality_or_404


@never_cache
@login_required
def talk_ics(request, reference, pk):
    try:
        case = selectors.case_for_citizen(request.user, municipality_or_404(request), reference)
        talk = ScreeningTalk.objects.get(case=case, pk=pk)
    except (Case.DoesNotExist, ScreeningTalk.DoesNotExist):
        raise Http404 from None
    talk.case = case
    my_page_url = request.build_absolute_uri(reverse("my_page_case", kwargs={"reference": case.reference}))
    return talk_ics_response(talk, my_page_url=my_page_url)
