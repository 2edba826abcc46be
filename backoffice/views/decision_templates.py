"""The municipality's standard texts for decisions, edited by the
coordinator in the admin: legal basis, appeal body, appeal guidance and the
appeal deadline for each kind of decision.

Only the municipality's own templates are listed and opened (another
municipality's is a 404). There is no add or delete: every kind has one
template, made by ``decision_texts.ensure_decision_templates``. Decisions
copy the texts when drafted, so an edit applies to new decisions only."""

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Case, IntegerField, Value, When
from django.forms.models import modelform_factory
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

from ..deadlines import APPEAL_WEEKS
from ..decision_texts import unknown_placeholders
from ..models import DecisionKind, DecisionTemplate
from ..tenancy import visible_municipalities


def templates_for(user):
    return (DecisionTemplate.objects.filter(municipality__in=visible_municipalities(user))
            .select_related("municipality"))


class DecisionTemplateForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        placeholders = _("You can write {appeal_body} for the appeal body and {deadline_weeks} for the "
                         "deadline; they are filled in on each decision.")
        self.fields["appeal_guidance"].help_text = _(
            "Where to appeal, how, and the deadline, as the letter says it. %(placeholders)s"
        ) % {"placeholders": placeholders}
        self.fields["legal_basis"].help_text = _(
            "The rules the decision is made under, as the letter says it. Name the acts; add section "
            "numbers only when you are sure of them.")
        self.fields["appeal_body"].help_text = _("Who decides on an appeal, e.g. Ankestyrelsen.")
        self.fields["appeal_deadline_weeks"].help_text = _(
            "Weeks from the day the citizen gets the decision. Usually 4.")
        self.fields["appeal_deadline_weeks"].validators.append(MinValueValidator(1))
        self.fields["appeal_deadline_weeks"].widget.attrs["min"] = 1
        self.fields["appeal_body_address"].help_text = _(
            "Where an upheld complaint is sent with the case bundle; printed on the forwarding letter.")
        self.fields["reassessment_weeks"].help_text = _(
            "Weeks the municipality has to reassess a complaint before it is upheld and forwarded. Usually 4.")
        self.fields["reassessment_weeks"].validators.append(MinValueValidator(1))
        self.fields["reassessment_weeks"].widget.attrs["min"] = 1
        self.fields["reassessment_weeks"].required = False  # empty: the usual 4 weeks

    def clean(self):
        cleaned = super().clean()
        if "reassessment_weeks" in self.fields and not cleaned.get("reassessment_weeks"):
            cleaned["reassessment_weeks"] = APPEAL_WEEKS
        for name in ("legal_basis", "appeal_guidance"):
            unknown = unknown_placeholders(cleaned.get(name))
            if unknown:
                self.add_error(name, forms.ValidationError(
                    _("Unknown placeholder: %(names)s. "
                      "Only {appeal_body} and {deadline_weeks} are filled in."),
                    params={"names": ", ".join(unknown)}, code="placeholder"))
        if not (cleaned.get("appeal_guidance") or "").strip():
            self.add_error("appeal_guidance", _("Write the appeal guidance: every decision that does not "
                                                "fully grant the application must have it."))
        return cleaned


class ScopedMixin:
    """Only the user's own municipality's templates; others are a 404."""

    def get_queryset(self):
        return templates_for(self.request.user)


class DecisionTemplateIndexView(generic.IndexView):
    def get_base_queryset(self):
        # In the order of the scheme (admission first), not alphabetically.
        order = Case(*[When(kind=kind.value, then=Value(index)) for index, kind in enumerate(DecisionKind)],
                     output_field=IntegerField())
        return templates_for(self.request.user).order_by("municipality__name", order)


class DecisionTemplateEditView(ScopedMixin, generic.EditView):
    pass


class ScopedObjectMixin:
    def get_base_object_queryset(self):
        return templates_for(self.request.user)


class DecisionTemplateHistoryView(ScopedObjectMixin, history.HistoryView):
    pass


class DecisionTemplateUsageView(ScopedObjectMixin, usage.UsageView):
    pass


class DecisionTemplateViewSet(ModelViewSet):
    model = DecisionTemplate
    icon = "doc-full"
    menu_label = _("Decision texts")
    add_to_admin_menu = True
    menu_order = 810
    form_fields = ["legal_basis", "appeal_body", "appeal_body_address", "appeal_body_email", "appeal_guidance",
                   "appeal_deadline_weeks", "reassessment_weeks"]
    list_display = ["kind", "municipality", "appeal_body", "appeal_deadline_weeks"]
    list_filter = ["kind"]
    index_view_class = DecisionTemplateIndexView
    edit_view_class = DecisionTemplateEditView
    history_view_class = DecisionTemplateHistoryView
    usage_view_class = DecisionTemplateUsageView
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return modelform_factory(self.model, form=DecisionTemplateForm, fields=self.form_fields,
                                 formfield_callback=self.formfield_for_dbfield)


decision_template_viewset = DecisionTemplateViewSet("decision_templates")
