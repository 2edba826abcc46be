"""Forms on My page: a message to the caseworker, and an answer to a
request for information (text and files)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.services.citizen import ANSWER_MAX_LENGTH, MESSAGE_MAX_LENGTH


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Write to your caseworker"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("We answer within a few working days. We send you an e-mail when there is an answer."),
        error_messages={
            "required": _("Write your message before you send it."),
            "max_length": _(
                "Your message can be at most %(limit_value)d characters. It is %(show_value)d "
                "characters now. Make it shorter, or send it as two messages."
            ),
        },
    )


class InformationAnswerForm(forms.Form):
    """Text, files or both. The files are checked one at a time by
    ``backoffice.uploads.validate_upload`` in the view, so bind the form to
    ``request.POST`` only; it renders the input and carries their errors."""

    answer_text = forms.CharField(
        label=_("Your answer"),
        required=False,
        max_length=ANSWER_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "max_length": _(
                "Your answer can be at most %(limit_value)d characters. It is %(show_value)d "
                "characters now. Make it shorter, or send the rest as a file."
            ),
        },
    )
    files = forms.FileField(
        label=_("Files"),
        required=False,
        widget=MultipleFileInput,
        help_text=_("If we asked for documents, choose them here. You can choose several files."),
    )

    def __init__(self, *args, accept="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = accept

    def check_not_empty(self, has_files):
        """Call after is_valid(): an answer needs text or a file."""
        if not self.errors.get("answer_text") and not self.cleaned_data.get("answer_text") and not has_files:
            self.add_error("answer_text", _("Write an answer, or choose a file to send."))
