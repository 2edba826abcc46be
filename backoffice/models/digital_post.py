"""How a letter reached the citizen: Digital Post, physical mail, or a
print made by staff.

One ``LetterDispatch`` per letter ``Document``. Its ``message_uuid`` is made
once, when the letter is stored, and never changes: a retry sends the same
MeMo message again, and Serviceplatformen treats a message UUID it has seen
as the same message, so the citizen never gets two letters.

``available_at`` is when the letter became available to the citizen (in the
Digital Post inbox, or posted): a deadline in the letter runs from then."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case, Document


class LetterDispatch(models.Model):
    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation letter")
        DECISION = "decision", _("Decision letter")
        REMINDER = "reminder", _("Payment reminder")
        COLLECTION_NOTICE = "collection_notice", _("Written notice before handover")

    class Channel(models.TextChoices):
        DIGITAL_POST = "digital_post", _("Digital Post")
        PHYSICAL_MAIL = "physical_mail", _("Physical mail")
        PRINT_BY_STAFF = "print_by_staff", _("Printed by staff")
        OUTBOX = "outbox", _("Local outbox")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        NEEDS_PRINTING = "needs_printing", _("To be printed and posted")

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, related_name="dispatch", verbose_name=_("letter"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="letter_dispatches", verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The letter's title, the message's subject in the citizen's inbox.
    label = models.CharField(_("title"), max_length=150)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    message_uuid = models.UUIDField(_("message UUID"), default=uuid.uuid4, unique=True, editable=False)
    transaction_id = models.CharField(_("transaction id"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The kind of error and the HTTP status, never the citizen's data.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    payload_xml = models.TextField(_("message sent (MeMo XML)"), blank=True)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    available_at = models.DateTimeField(_("available to the citizen"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter dispatch")
        verbose_name_plural = _("letter dispatches")
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="dispatch_status_due_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.get_status_display()}"

    # Letters waiting for staff: a failed send, or one to print and post.
    STAFF_STATUSES = ("failed", "needs_printing")

    @property
    def needs_staff(self):
        return self.status in self.STAFF_STATUSES
