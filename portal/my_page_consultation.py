"""My page: the citizen reads a draft decision sent for consultation
(partshøring) and comments on it before the deadline.

Access as everywhere on My page: the case is looked up with the logged-in
citizen AND the site's municipality, so anybody else gets a 404. A draft
that has not been sent to the citizen is a 404 too: it is staff's working
paper until then. An anonymous visitor is sent to log in (the link in the
e-mail leads here through the login). The write goes through
``backoffice.services.decisions.record_consultation_reply``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from backoffice import selectors
from backoffice.models import Case, Decision
from backoffice.services import decisions as services
from backoffice.services.citizen import ANSWER_MAX_LENGTH, CitizenActionRefused
from backoffice.services.letters import DRAFT_STATEMENTS

from .selectors import municipality_or_404


class ConsultationReplyForm(forms.Form):
    comments = forms.CharField(
        label=gettext_lazy("Your comments"),
        max_length=ANSWER_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Write if something in our draft is wrong or missing, or if you disagree with our assessment. "
            "You can only send your comments once; if you want to add something later, write to us in the "
            "messages."
        ),
        error_messages={
            "required": gettext_lazy("Write your comments before you send them."),
            "max_length": gettext_lazy(
                "Your comments can be at most %(limit_value)d characters. They are %(show_value)d characters "
                "now. Make them shorter, or send the rest as a message."
            ),
        },
    )


def _own_decision(request, reference, pk):
    try:
        case = selectors.case_for_citizen(request.user, municipality_or_404(request), reference)
    except Case.DoesNotExist:
        raise Http404 from None
    decision = (
        Decision.objects.filter(case=case, pk=pk, consultation_sent_at__isnull=False)
        .exclude(status=Decision.Status.DRAFT)
        .select_related("letter")
        .first()
    )
    if decision is None:
        raise Http404
    decision.case = case
    return case, decision


@never_cache
@login_required
def consultation(request, reference, pk):
    """GET: the draft reasons, the deadline and the comment form (or the
    comments already sent). POST: the comments."""
    case, decision = _own_decision(request, reference, pk)
    can_reply = (
        decision.status == Decision.Status.IN_CONSULTATION
        and decision.consultation_replied_at is None
        and selectors.accepts_messages(case)
    )
    form = ConsultationReplyForm(request.POST if request.method == "POST" and can_reply else None)
    if request.method == "POST":
        if not can_reply:
            messages.info(request, _("You can no longer comment on this draft decision."))
            return redirect(request.path)
        if form.is_valid():
            try:
                services.record_consultation_reply(decision, request.user, form.cleaned_data["comments"])
            except CitizenActionRefused as refused:
                form.add_error("comments", refused.message)
            except PermissionError:
                raise Http404 from None
            else:
                messages.success(
                    request,
                    _("Thank you. We have received your comments and will read them before we decide."),
                )
                return redirect(reverse("my_page_case", kwargs={"reference": case.reference}))
    return render(
        request,
        "portal/my_page/consultation.html",
        {
            "case": case,
            "decision": decision,
            "form": form,
            "can_reply": can_reply,
            "is_late": services.reply_is_late(decision),
            "deadline_passed": decision.consultation_deadline is not None
            and timezone.localdate() > decision.consultation_deadline,
            "draft_statement": DRAFT_STATEMENTS.get(decision.kind, ""),
        },
        status=400 if form.errors else 200,
    )
