"""E-mails that tell someone there is something new on a case.

The e-mails never carry the content: no message text, no answers, no CPR
number, no names. They say that there is something new and link to where it
can be read after logging in (the citizen's My page, the staff admin).

Sent by django-tasks after the surrounding transaction has committed, like
the application receipt (``services.receipts``)."""

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from .. import roles
from ..models import Case, CaseApplication

# What happened, for staff: the citizen wrote, answered or withdrew.
STAFF_MESSAGE = "message"
STAFF_ANSWER = "answer"
STAFF_WITHDRAWN = "withdrawn"
STAFF_CONSULTATION_REPLY = "consultation_reply"
STAFF_BUSINESS = "business"  # the citizen registered or changed the business or its bank account
STAFF_APPEAL = "appeal"  # the citizen complained about a decision
STAFF_EVENTS = (STAFF_MESSAGE, STAFF_ANSWER, STAFF_WITHDRAWN, STAFF_CONSULTATION_REPLY, STAFF_BUSINESS,
                STAFF_APPEAL)

# What happened, for the citizen: staff wrote, asked or sent a letter.
CITIZEN_MESSAGE = "message"
CITIZEN_INFORMATION_REQUEST = "information_request"
CITIZEN_LETTER = "letter"
CITIZEN_TALK_BOOKED = "talk_booked"
CITIZEN_TALK_CHANGED = "talk_changed"
CITIZEN_TALK_CANCELLED = "talk_cancelled"
CITIZEN_CONSULTATION = "consultation"  # a draft decision the citizen may comment on
CITIZEN_COURSE_PLACE = "course_place"  # a place on a cohort (also when moved up from the waiting list)
CITIZEN_ACCOUNT_VERIFIED = "business_account_verified"  # staff verified the business bank account
CITIZEN_EVENTS = (CITIZEN_MESSAGE, CITIZEN_INFORMATION_REQUEST, CITIZEN_LETTER, CITIZEN_TALK_BOOKED,
                  CITIZEN_TALK_CHANGED, CITIZEN_TALK_CANCELLED, CITIZEN_CONSULTATION, CITIZEN_COURSE_PLACE,
                  CITIZEN_ACCOUNT_VERIFIED)
# Events told in the short "there is news on My page" e-mail: what the news is about, nothing more.
CITIZEN_NEWS_EVENTS = (CITIZEN_COURSE_PLACE, CITIZEN_ACCOUNT_VERIFIED)

STAFF_TEMPLATES = ("backoffice/emails/staff_notification.txt", "backoffice/emails/staff_notification.html")
CITIZEN_TEMPLATES = (
    "backoffice/emails/citizen_notification.txt",
    "backoffice/emails/citizen_notification.html",
)
CITIZEN_NEWS_TEMPLATES = ("backoffice/emails/citizen_news.txt", "backoffice/emails/citizen_news.html")


# --- Staff ----------------------------------------------------------------------------------------


def staff_recipients(case):
    """The case's caseworker; without one, every caseworker of the
    municipality (someone must pick it up). Active users with an address."""
    if case.assigned_to_id and case.assigned_to.is_active and case.assigned_to.email:
        return [case.assigned_to.email]
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_membership__municipality=case.municipality_id,
            groups__name=roles.ROLE_GROUP_NAMES[roles.CASEWORKER],
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(users)


def _staff_subject(event, reference):
    subjects = {
        STAFF_MESSAGE: _("New message from the citizen – %(reference)s"),
        STAFF_ANSWER: _("The citizen has answered a request for information – %(reference)s"),
        STAFF_WITHDRAWN: _("The citizen has withdrawn the application – %(reference)s"),
        STAFF_CONSULTATION_REPLY: _("The citizen has commented on a draft decision – %(reference)s"),
        STAFF_BUSINESS: _("The citizen has registered business details – %(reference)s"),
        STAFF_APPEAL: _("The citizen has complained about a decision – %(reference)s"),
    }
    return subjects[event] % {"reference": reference}


def build_staff_email(case, event, recipients):
    admin_url = urljoin(
        settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", reverse("wagtailadmin_home").lstrip("/")
    )
    context = {
        "event": event,
        "reference": case.reference,
        "municipality": case.municipality.name,
        "admin_url": admin_url,
    }
    text_template, html_template = STAFF_TEMPLATES
    message = EmailMultiAlternatives(
        subject=_staff_subject(event, case.reference),
        body=render_to_string(text_template, context),
        to=recipients,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string(html_template, context), "text/html")
    return message


@task()
def send_staff_notification(case_id, event):
    """Tell the case's caseworker that the citizen has done something. In
    the installation's language (staff work in Danish)."""
    if event not in STAFF_EVENTS:
        raise ValueError(f"Unknown staff notification: {event}")
    with translation.override(settings.LANGUAGE_CODE):
        case = Case.objects.select_related("municipality", "assigned_to").filter(pk=case_id).first()
        if case is None or case.status == Case.Status.ANONYMISED:
            return {"emailed": 0}
        recipients = staff_recipients(case)
        if not recipients:
            return {"emailed": 0}
        build_staff_email(case, event, recipients).send()
        return {"emailed": len(recipients)}


def notify_staff(case, event):
    """Queue the staff e-mail once the surrounding transaction has committed."""
    if event not in STAFF_EVENTS:
        raise ValueError(f"Unknown staff notification: {event}")
    transaction.on_commit(lambda: send_staff_notification.enqueue(case_id=case.pk, event=event))


# --- Citizen --------------------------------------------------------------------------------------


def citizen_recipient(case):
    """The citizen's login address (the one they verified), else the address
    in the application."""
    if case.citizen_id and case.citizen.is_active and case.citizen.email:
        return case.citizen.email
    application = CaseApplication.objects.filter(case=case).only("email").first()
    return application.email if application is not None and application.email else None


def citizen_case_url(case, language=None):
    """The absolute address of the case on the citizen's My page, on the
    municipality's own site. URL names only: the backoffice does not import
    the portal."""
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            path = reverse("my_page_case", kwargs={"reference": case.reference})
        except NoReverseMatch:  # pragma: no cover - the portal is always installed
            path = "/"
    return urljoin(case.municipality.site.root_url.rstrip("/") + "/", path.lstrip("/"))


def _citizen_subject(event):
    subjects = {
        CITIZEN_MESSAGE: _("You have a new message on My page"),
        CITIZEN_INFORMATION_REQUEST: _("We need more information from you"),
        CITIZEN_LETTER: _("You have a new letter on My page"),
        CITIZEN_CONSULTATION: _("You can comment before we decide"),
        CITIZEN_TALK_BOOKED: _("We have booked a talk with you"),
        CITIZEN_TALK_CHANGED: _("Your talk with us has been changed"),
        CITIZEN_TALK_CANCELLED: _("Your talk with us has been cancelled"),
        CITIZEN_COURSE_PLACE: _("News about your course on My page"),
        CITIZEN_ACCOUNT_VERIFIED: _("News about your business account on My page"),
    }
    return str(subjects[event])


def _citizen_news(event, reference):
    news = {
        CITIZEN_COURSE_PLACE: _("There is news about the course on your case %(reference)s on My page."),
        CITIZEN_ACCOUNT_VERIFIED: _(
            "There is news about the business bank account on your case %(reference)s on My page."),
    }
    return news[event] % {"reference": reference}


def build_citizen_email(case, event, my_page_url, recipient):
    context = {
        "event": event,
        "reference": case.reference,
        "municipality": case.municipality.name,
        "my_page_url": my_page_url,
    }
    text_template, html_template = CITIZEN_TEMPLATES
    if event in CITIZEN_NEWS_EVENTS:
        text_template, html_template = CITIZEN_NEWS_TEMPLATES
        context["subject"] = _citizen_subject(event)
        context["news"] = _citizen_news(event, case.reference)
    message = EmailMultiAlternatives(
        subject=_citizen_subject(event),
        body=render_to_string(text_template, context),
        to=[recipient],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string(html_template, context), "text/html")
    return message


@task()
def send_citizen_notification(case_id, event, my_page_url=None, language=None):
    """Tell the citizen there is something new on My page, in ``language``
    (by default the installation's: Danish)."""
    if event not in CITIZEN_EVENTS:
        raise ValueError(f"Unknown citizen notification: {event}")
    with translation.override(language or settings.LANGUAGE_CODE):
        case = Case.objects.select_related("municipality__site", "citizen").filter(pk=case_id).first()
        if case is None or case.status == Case.Status.ANONYMISED:
            return {"emailed": False}
        recipient = citizen_recipient(case)
        if recipient is None:
            return {"emailed": False}
        url = my_page_url or citizen_case_url(case, language)
        build_citizen_email(case, event, url, recipient).send()
        return {"emailed": True}


def notify_citizen(case, event, my_page_url=None, language=None):
    """Queue the citizen e-mail once the surrounding transaction has
    committed. For staff services: a new message, a request for information
    or a letter on the case."""
    if event not in CITIZEN_EVENTS:
        raise ValueError(f"Unknown citizen notification: {event}")
    transaction.on_commit(
        lambda: send_citizen_notification.enqueue(
            case_id=case.pk, event=event, my_page_url=my_page_url, language=language
        )
    )
