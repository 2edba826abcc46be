"""Small POST actions from a case page section (record a payment, grant an
allowance, …): validate the form, call the service, and go back to the
section with a message. A refusal or a form error is shown as a message and
nothing is saved."""

from django.http import HttpResponseRedirect
from wagtail.admin import messages

from ..services.transitions import TransitionError


def run_section_action(request, form, action, success, redirect_to):
    """``action(cleaned_data)`` when ``form`` is valid; errors name their field."""
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label and field != "version" else error)
    else:
        try:
            action(form.cleaned_data)
        except TransitionError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, success)
    return HttpResponseRedirect(redirect_to)
