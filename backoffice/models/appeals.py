"""Appeals (klager) against a final decision.

Under retssikkerhedsloven §§ 66–69 a complaint about a decision goes to the
municipality first, which reassesses it (genvurdering) within 4 weeks. If
the municipality changes the decision, that is a new decision (the old one
stays in the file); if it upholds it, it forwards the complaint and the
case file to the appeal body (Ankestyrelsen for the social and employment
schemes), whose outcome is recorded here when its letter arrives. Where to
send it is the decision template's setting (``DecisionTemplate``), because
it depends on the scheme's legal basis."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case, Document
from .decisions import Decision


class Appeal(models.Model):
    class Channel(models.TextChoices):
        MY_PAGE = "my_page", _("My page")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone call")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        LODGED = "lodged", _("Received")
        REASSESSING = "reassessing", _("Being reassessed")
        CHANGED = "changed", _("Decision changed")
        UPHELD_FORWARDED = "upheld_forwarded", _("Upheld and sent to the appeal body")
        DECIDED_EXTERNALLY = "decided_externally", _("Decided by the appeal body")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Decision upheld")
        CHANGED = "changed", _("Decision changed")
        REMITTED = "remitted", _("Sent back to the municipality (hjemvist)")
        DISMISSED = "dismissed", _("Complaint dismissed (afvist)")

    OPEN_STATUSES = (Status.LODGED, Status.REASSESSING)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("case"))
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("decision appealed"))
    channel = models.CharField(_("received by"), max_length=20, choices=Channel.choices)
    lodged_on = models.DateField(_("received on"))
    text = models.TextField(_("complaint"), blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="appeals", verbose_name=_("files"))
    # Copied when lodged, so a later change of the template does not make a
    # timely complaint late (or the other way round).
    appeal_deadline = models.DateField(_("appeal deadline"), null=True, blank=True)
    is_late = models.BooleanField(_("received after the deadline"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.LODGED)
    reassessment_deadline = models.DateField(_("reassess by"))
    reassessment_started_at = models.DateTimeField(_("reassessment started"), null=True, blank=True)
    # Why the municipality upholds the decision: goes to the appeal body.
    reassessment_note = models.TextField(_("reassessment"), blank=True)
    new_decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="appeal_changes",
        verbose_name=_("new decision"))
    appeal_body = models.CharField(_("appeal body"), max_length=200, blank=True)
    appeal_body_address = models.TextField(_("appeal body's address"), blank=True)
    forwarded_at = models.DateTimeField(_("sent to the appeal body"), null=True, blank=True)
    bundle = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("case bundle"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    outcome_note = models.TextField(_("note on the outcome"), blank=True)
    outcome_letter = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("the appeal body's letter"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # From the form: the same form sent twice stores one appeal.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-lodged_on", "-id"]
        indexes = [
            models.Index(fields=["status", "reassessment_deadline"], name="appeal_status_deadline_idx"),
        ]
        constraints = [
            # One live complaint per decision: a second one is added to the first.
            models.UniqueConstraint(
                fields=["decision"], condition=~models.Q(status="withdrawn"), name="appeal_one_per_decision"),
            models.CheckConstraint(
                condition=~models.Q(status="decided_externally") | ~models.Q(outcome=""),
                name="appeal_external_has_outcome"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} – {self.decision}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES
