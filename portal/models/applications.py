import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationDraft(models.Model):
    """A citizen's application while they fill it in.

    Every step is saved here on the server, so the citizen can leave and go
    on from any device. The id doubles as the submission key: submitting the
    same draft twice (double click, two tabs) gives one case."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application_drafts",
        verbose_name=_("citizen"),
    )
    # The municipality of the site the application was started on.
    municipality = models.ForeignKey(
        "backoffice.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(_("answers"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    last_step = models.CharField(_("last step"), max_length=30, blank=True)
    case = models.OneToOneField(
        "backoffice.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("case"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("application draft")
        verbose_name_plural = _("application drafts")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["citizen", "status"], name="draft_citizen_status_idx")]

    def __str__(self):
        # Never the answers: they hold the CPR number.
        return str(_("Application started %(date)s") % {"date": self.created_at.date() if self.created_at else "–"})

    def save_step(self, step, cleaned_data):
        """Store one step's answers, keeping the other steps' answers."""
        self.answers = {**self.answers, **cleaned_data}
        self.last_step = step
        self.save(update_fields=["answers", "last_step", "updated_at"])
