"""The case and what the citizen and staff exchange on it.

``__str__`` here never shows CPR numbers or names: Wagtail's log entries and
error reports store ``str(obj)``, and those outlive anonymisation.
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_cpr
from .municipality import Municipality, TargetGroup


class CaseQuerySet(models.QuerySet):
    def marked_during(self, start, end):
        """Cases carrying the person-group marker on any day in [start, end];
        this is how the evaluation selects the scheme's population."""
        return self.filter(marked_from__lte=end).filter(
            models.Q(marked_until__isnull=True) | models.Q(marked_until__gte=start)
        )


class Case(models.Model):
    """One citizen's path through the scheme, from application to outcome.

    Allowed status changes are in ``backoffice.lifecycle``. ``version`` is
    bumped by every service write so two staff acting at once cannot both
    win: the later one's conditional update matches no row and must reload."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Application received")
        SCREENING = "screening", _("Screening talk and assessment")
        AWAITING_INFORMATION = "awaiting_information", _("Waiting for information from the citizen")
        CONSULTATION = "consultation", _("Consultation before admission decision")
        ADMITTED = "admitted", _("Admitted to the course")
        NOT_ADMITTED = "not_admitted", _("Referred to the ordinary employment effort")
        WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")
        IN_COURSE = "in_course", _("Taking the course")
        COURSE_COMPLETED = "course_completed", _("Course completed")
        LEFT_FOR_EMPLOYMENT = "left_for_employment", _("Left for ordinary employment")
        DROPPED_OUT = "dropped_out", _("Dropped out of the course")
        LOAN_CONSULTATION = "loan_consultation", _("Consultation before loan decision")
        LOAN_GRANTED = "loan_granted", _("Loan granted")
        LOAN_DECLINED = "loan_declined", _("Loan declined")
        BUSINESS_SETUP = "business_setup", _("Setting up business (CVR and business account)")
        LOAN_DISBURSED = "loan_disbursed", _("Loan paid out – follow-up")
        IN_REPAYMENT = "in_repayment", _("Repaying the loan")
        CLOSED = "closed", _("Closed")
        ANONYMISED = "anonymised", _("Anonymised")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="cases", verbose_name=_("municipality")
    )
    # Blank until a service assigns one; uniqueness only applies once set.
    reference = models.CharField(
        _("case number"), max_length=30, blank=True, default="",
        help_text=_("E.g. NOR-2026-00042. Unique within the municipality."),
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="cases", verbose_name=_("citizen"),
        help_text=_("Empty for imported historic cases."),
    )
    target_group = models.ForeignKey(
        TargetGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
        verbose_name=_("target group"),
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.SUBMITTED
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_cases", verbose_name=_("caseworker"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    referred_on = models.DateField(
        _("referred on"), null=True, blank=True,
        help_text=_("When a jobcenter caseworker referred the citizen, if they did."),
    )
    imported = models.BooleanField(_("imported"), default=False)
    # Milestones of the scheme, kept on the case so the evaluation counts
    # them with one aggregate for live and imported cases alike. The
    # services set them (courses, loans, referral); the import sets them from
    # the trial's records.
    course_started_on = models.DateField(_("course started"), null=True, blank=True)
    course_completed_on = models.DateField(_("course completed"), null=True, blank=True)
    loan_granted_on = models.DateField(_("loan granted"), null=True, blank=True)
    referred_ordinary_effort_on = models.DateField(
        _("referred to the ordinary employment effort"), null=True, blank=True
    )
    # Person-group marker (persongruppemarkering): from course grant through
    # the end of the loan period. Statistics select on it, so keep it exact.
    marked_from = models.DateField(_("person-group marker from"), null=True, blank=True)
    marked_until = models.DateField(_("person-group marker until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # The submitting channel's key for "this one submission": a double click,
    # a resent form or two tabs reuse it, and the unique index makes sure they
    # all end in the same case, even when they race.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, unique=True, editable=False)
    # KLE classification (models.journal): set when the case opens from the
    # municipality's setting; staff change it on the case page.
    kle_number = models.CharField(_("KLE number"), max_length=8, blank=True, default="")
    kle_facet = models.CharField(_("action facet"), max_length=3, blank=True, default="")

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-id"]
        # What each role may do is given to its group (backoffice/roles.py);
        # which cases is decided by backoffice/tenancy.py.
        permissions = [
            ("handle_case", _("Handle cases: notes, messages, requests for information, talks")),
            ("assign_case", _("Assign cases to staff")),
            ("assess_case", _("Assess applications")),
            ("decide_admission", _("Decide on admission to the course")),
            ("manage_course", _("Run cohorts, attendance and coaching")),
            ("decide_loan", _("Decide on loans and allowance")),
            ("manage_loan", _("Pay out loans and record repayments")),
            ("export_cases", _("Export case lists")),
            ("read_audit_log", _("Read the audit and access logs")),
            ("anonymise_case", _("Anonymise closed cases")),
            ("view_statistics", _("See statistics and the evaluation (no personal data)")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference"], condition=~models.Q(reference=""),
                name="case_reference_unique_per_municipality",
            ),
            models.CheckConstraint(
                condition=models.Q(marked_until__isnull=True)
                | models.Q(marked_from__isnull=False, marked_until__gte=models.F("marked_from")),
                name="case_marker_period_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="anonymised") | models.Q(anonymised_at__isnull=False),
                name="case_anonymised_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "-submitted_at"], name="case_queue_idx"),
            # The queue's default order: newest first, read in index order and stopped after a page.
            models.Index(fields=["municipality", "-submitted_at", "-id"], name="case_queue_order_idx"),
            models.Index(fields=["municipality", "assigned_to", "status"], name="case_assignee_idx"),
            models.Index(fields=["reference"], name="case_reference_idx"),
            models.Index(fields=["municipality", "target_group"], name="case_target_group_idx"),
            models.Index(fields=["municipality", "marked_from", "marked_until"], name="case_marker_idx"),
            models.Index(fields=["municipality", "course_started_on"], name="case_course_started_idx"),
            models.Index(fields=["municipality", "loan_granted_on"], name="case_loan_granted_idx"),
        ]

    def __str__(self):
        return self.reference or str(_("Case #%(id)s") % {"id": self.pk})


class ReferenceSequence(models.Model):
    """Last case number used per municipality and year, so references are
    short, readable and gap-free ("NOR-2026-00042")."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="reference_sequence_unique"),
        ]


class CaseApplication(models.Model):
    """The application exactly as submitted. The portal keeps its own
    drafts; this copy is what the decision is made on, so only anonymisation
    may change it afterwards. Money in whole kroner, as the citizen wrote it."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="application", verbose_name=_("case")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    cpr_number = models.CharField(_("CPR number"), max_length=11, validators=[validate_cpr])
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    caseworker_name = models.CharField(_("own caseworker at the jobcenter"), max_length=200, blank=True)
    business_idea = models.TextField(_("business idea"), blank=True)
    industry = models.CharField(_("industry"), max_length=200, blank=True)
    customers = models.TextField(_("customers"), blank=True)
    competitors = models.TextField(_("competitors"), blank=True)
    experience = models.TextField(_("experience and education"), blank=True)
    motivation = models.TextField(_("why self-employment"), blank=True)
    # Null means "not answered", which is not the same as 0 kr.
    startup_costs_dkk = models.PositiveIntegerField(_("start-up costs (DKK)"), null=True, blank=True)
    own_funding_dkk = models.PositiveIntegerField(_("own funding (DKK)"), null=True, blank=True)
    requested_amount_dkk = models.PositiveIntegerField(_("loan applied for (DKK)"), null=True, blank=True)
    expected_monthly_income_dkk = models.PositiveIntegerField(
        _("expected monthly income (DKK)"), null=True, blank=True
    )
    declarations_accepted_at = models.DateTimeField(_("declarations accepted"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    # The latest CPR register snapshot (models.registers), for the case page.
    cpr_lookup = models.ForeignKey(
        "backoffice.PersonLookup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("latest CPR register look-up"),
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        # "Find by CPR number" is an exact match on the stored form "DDMMYY-SSSS".
        indexes = [models.Index(fields=["cpr_number"], name="application_cpr_idx")]

    def __str__(self):
        return str(_("Application for %(case)s") % {"case": self.case})

    @property
    def cpr_masked(self):
        """Birth date part only ("010190-****"): enough to tell people apart
        on screen without showing the full number."""
        digits = (self.cpr_number or "").replace("-", "")
        return f"{digits[:6]}-****" if len(digits) == 10 else ""


def private_storage():
    """Citizens' documents never go to the public media storage."""
    return storages["private"]


def document_upload_to(instance, filename):
    # Random name only: the original file name can itself be personal data.
    name = uuid.uuid4().hex
    return f"documents/{name[:2]}/{name}"


class Document(models.Model):
    """A file on a case. Files are served only through a view that checks
    access and writes the access log."""

    class Kind(models.TextChoices):
        BUSINESS_PLAN = "business_plan", _("Business plan")
        BUDGET = "budget", _("Budget")
        CV = "cv", _("CV")
        BANK_CONFIRMATION = "bank_confirmation", _("Confirmation from the bank")
        DECISION_LETTER = "decision_letter", _("Decision letter")
        APPLICATION_RECEIPT = "application_receipt", _("Application receipt")
        INFORMATION_ANSWER = "information_answer", _("Answer to a request for information")
        OTHER = "other", _("Other")

    class ScanStatus(models.TextChoices):
        NOT_SCANNED = "not_scanned", _("Not scanned")
        CLEAN = "clean", _("Clean")
        INFECTED = "infected", _("Infected")
        ERROR = "error", _("Scan failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), storage=private_storage, upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    scan_status = models.CharField(
        _("virus scan"), max_length=20, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    scan_detail = models.TextField(_("scan detail"), blank=True)
    information_request = models.ForeignKey(
        "backoffice.InformationRequest", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="documents", verbose_name=_("answers request"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="uploaded_documents", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # Staff-internal working papers stay hidden unless someone opts in.
    visible_to_citizen = models.BooleanField(_("visible to the citizen"), default=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["case", "kind"], name="document_case_kind_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.case}"

    @property
    def is_safe_to_serve(self):
        return self.scan_status == self.ScanStatus.CLEAN


class JournalNote(models.Model):
    """Notes oral information that matters for the decision (notatpligt).
    ``noted_at`` is when it was said, ``created_at`` when it was written."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="journal_notes",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"))
    noted_at = models.DateTimeField(_("information given"), default=timezone.now)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("journal note")
        verbose_name_plural = _("journal notes")
        ordering = ["-noted_at", "-id"]

    def __str__(self):
        return str(_("Note on %(case)s") % {"case": self.case})


class InformationRequest(models.Model):
    """A question to the citizen with a deadline; the case waits on it."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="information_requests", verbose_name=_("case")
    )
    question = models.TextField(_("question"))
    due_on = models.DateField(_("answer by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_text = models.TextField(_("answer"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["due_on", "id"]

    def __str__(self):
        return str(_("Request on %(case)s, due %(due)s") % {"case": self.case, "due": self.due_on})

    @property
    def is_open(self):
        return self.answered_at is None


class Message(models.Model):
    """Secure message between citizen and staff; e-mail only says "you have
    a new message", so personal data stays out of mailboxes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages", verbose_name=_("case"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="sent_case_messages", verbose_name=_("sender"),
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_by_citizen_at = models.DateTimeField(_("read by the citizen"), null=True, blank=True)
    read_by_staff_at = models.DateTimeField(_("read by staff"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return str(_("Message on %(case)s") % {"case": self.case})
