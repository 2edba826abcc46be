import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.models.cases import private_storage


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


def draft_document_upload_to(instance, filename):
    # Random name only: the original file name can itself be personal data.
    name = uuid.uuid4().hex
    return f"drafts/{name[:2]}/{name}"


class DraftDocument(models.Model):
    """A file uploaded to a draft, already validated (type by content,
    size, zip structure, virus scan). On submission the case takes the stored
    file over as a backoffice Document, without copying it."""

    class Kind(models.TextChoices):
        BUSINESS_PLAN = "business_plan", _("Business plan")
        BUDGET = "budget", _("Budget")
        CV = "cv", _("CV")
        OTHER = "other", _("Other documents")

    draft = models.ForeignKey(ApplicationDraft, on_delete=models.CASCADE, related_name="documents",
                              verbose_name=_("application draft"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to=draft_document_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan_status = models.CharField(_("virus scan"), max_length=20)
    scan_detail = models.TextField(_("scan detail"), blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.get_kind_display()
