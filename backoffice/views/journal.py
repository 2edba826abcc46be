"""The case page's journal section: KLE classification, the journal of
documents (aktliste) with staff's aktindsigt assessment, and the case file
(aktindsigt bundle) download. Writes go through services.journal and
services.case_file; every view finds the case through staff_case_or_404."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..forms import CaseVersionForm
from ..kle.data import FACETS
from ..models import DocumentJournalEntry, KleSubject
from ..services import case_file, journal
from ..services.transitions import TransitionError
from .access import client_ip, staff_case_or_404

# The KLE numbers offered first on the form: the scheme's own area (24
# "Erhvervsforhold" and 15, the employment effort) and the case's main group.
SCHEME_MAIN_GROUPS = ("15.", "24.")

Entry = DocumentJournalEntry


class KleForm(CaseVersionForm):
    kle_number = forms.CharField(label=gettext_lazy("KLE number"), max_length=8,
                                 help_text=gettext_lazy("A subject from the KLE plan, e.g. 24.10.07."))
    kle_facet = forms.CharField(label=gettext_lazy("Action facet"), max_length=3,
                                help_text=gettext_lazy("E.g. G01 (general cases)."))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case is not None:
            self.fields["kle_number"].initial = case.kle_number
            self.fields["kle_facet"].initial = case.kle_facet
        self.fields["kle_number"].widget.attrs.update({"list": "kle-numbers", "autocomplete": "off"})
        self.fields["kle_facet"].widget.attrs.update({"list": "kle-facets", "autocomplete": "off"})


class AccessForm(CaseVersionForm):
    entry = forms.TypedChoiceField(label=gettext_lazy("Document"), coerce=int)
    access = forms.ChoiceField(label=gettext_lazy("Can it be handed out?"), choices=Entry.Access.choices)
    ground = forms.ChoiceField(label=gettext_lazy("Legal ground for withholding it"), required=False,
                               choices=[("", "–")] + list(Entry.Ground.choices))

    def __init__(self, *args, case=None, entries=(), **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["entry"].choices = [(e.pk, f"{e.journal_number} {e.description}") for e in entries]


class CaseFileForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Who asked?"), choices=[
        (case_file.PARTY, gettext_lazy("The citizen (the party)")),
        (case_file.OTHER, gettext_lazy("Someone else")),
    ])


def section(case, bound=None):
    """The journal section's context. ``case`` comes from CASE_PAGE_QUERYSET
    (journal_entries prefetched): one query more, for the KLE choices."""
    entries = list(case.journal_entries.all())
    prefixes = set(SCHEME_MAIN_GROUPS) | ({case.kle_number[:3]} if case.kle_number else set())
    condition = Q()
    for prefix in prefixes:
        condition |= Q(number__startswith=prefix)
    subjects = list(KleSubject.objects.filter(condition, active=True, level=KleSubject.Level.SUBJECT)
                    .only("number", "title"))
    titles = {s.number: s.title for s in subjects}
    forms_ = {
        "kle_form": KleForm(case=case),
        "access_form": AccessForm(case=case, entries=entries),
        "case_file_form": CaseFileForm(),
    }
    forms_.update(bound or {})
    return {
        "entries": entries, "subjects": subjects, "facets": FACETS,
        "kle_title": titles.get(case.kle_number, ""), "facet_title": FACETS.get(case.kle_facet, ""),
        "withheld": sum(1 for e in entries if e.withheld),
        **forms_,
    }


def _page(request, pk, form_name, form):
    """The case page again with the refused form and its errors."""
    from .case import case_detail  # views.case imports this module for ``section``

    return case_detail(request, pk, {"journal_forms": {form_name: form}}, status=400)


def _redirect(case):
    return HttpResponseRedirect(reverse("backoffice:case", args=[case.pk]) + "#journal")


@require_POST
def set_kle(request, case_pk):
    case = staff_case_or_404(request, case_pk, permission="backoffice.handle_case")
    form = KleForm(request.POST, case=case)
    if form.is_valid():
        try:
            data = form.cleaned_data
            journal.set_kle(case, number=data["kle_number"], facet=data["kle_facet"], user=request.user,
                            expected_version=data["version"])
        except ValidationError as exc:
            field = "kle_facet" if getattr(exc, "code", "") == "facet" else "kle_number"
            form.add_error(field, exc)
        except TransitionError as exc:
            messages.error(request, str(exc.message))
            return _redirect(case)
        else:
            messages.success(request, _("The case is now journalised under %(number)s %(facet)s.") % {
                "number": case.kle_number, "facet": case.kle_facet})
            return _redirect(case)
    return _page(request, case_pk, "kle_form", form)


@require_POST
def assess_access(request, case_pk):
    case = staff_case_or_404(request, case_pk, permission="backoffice.handle_case")
    entries = list(Entry.objects.filter(case=case).select_related("case"))
    form = AccessForm(request.POST, case=case, entries=entries)
    if not form.is_valid():
        return _page(request, case_pk, "access_form", form)
    entry = next(e for e in entries if e.pk == form.cleaned_data["entry"])
    try:
        entry = journal.assess_access(entry, access=form.cleaned_data["access"],
                                      ground=form.cleaned_data["ground"], user=request.user)
    except TransitionError as exc:
        form.add_error("ground", str(exc.message))
        return _page(request, case_pk, "access_form", form)
    messages.success(request, _("%(number)s: %(access)s.") % {
        "number": entry.journal_number, "access": entry.get_access_display()})
    return _redirect(case)


@require_POST
def download_case_file(request, case_pk):
    case = staff_case_or_404(request, case_pk, permission="backoffice.handle_case")
    form = CaseFileForm(request.POST)
    if not form.is_valid():
        raise Http404("Unknown purpose")
    filename, content = case_file.build_case_file(
        case, user=request.user, purpose=form.cleaned_data["purpose"], ip=client_ip(request))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
