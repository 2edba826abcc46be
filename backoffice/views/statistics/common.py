"""What every statistics page shares: who may see it, for which
municipality, and the period form."""

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...models import Municipality
from ...statistics.periods import Period
from ...tenancy import municipality_of, visible_municipalities

VIEW_PERMISSION = "backoffice.view_statistics"


def statistics_municipality(request):
    """The municipality the page is about. Staff see their own; a superuser
    picks one with ``?municipality=slug`` (the first one otherwise).
    Raises PermissionDenied without the statistics permission."""
    user = request.user
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    if user.is_superuser:
        slug = request.GET.get("municipality")
        municipalities = Municipality.objects.order_by("name")
        municipality = municipalities.filter(slug=slug).first() if slug else municipalities.first()
    else:
        municipality = municipality_of(user)
    if municipality is None:
        raise Http404
    return municipality


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          help_text=_("Both days are included."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The end date must be on or after the start date."))
        return cleaned


def default_period(today=None):
    """This calendar year up to today: what people usually ask for first."""
    today = today or timezone.localdate()
    return Period(date(today.year, 1, 1), today)


def period_from(request):
    """The period from ``?start=&end=``, or the default one. Returns
    ``(period, form)``; an invalid form keeps the default period and shows
    its errors."""
    fallback = default_period()
    if "start" not in request.GET and "end" not in request.GET:
        return fallback, PeriodForm(initial={"start": fallback.start, "end": fallback.end})
    form = PeriodForm(request.GET)
    if form.is_valid():
        return Period(form.cleaned_data["start"], form.cleaned_data["end"]), form
    return fallback, form


def municipality_choices(request):
    """For the superuser's municipality picker; empty for everyone else."""
    return list(visible_municipalities(request.user).order_by("name")) if request.user.is_superuser else []
