"""Two-factor sign-in for staff.

Everybody signs in through allauth (``/accounts/login/``); the Wagtail admin's
own login page only sends there. A user with an authenticator app (TOTP) is
asked for a code after the password: allauth's MFA login stage. Staff are the
users who may open the Wagtail admin (``wagtailadmin.access_admin``; superusers
have every permission). With ``settings.STAFF_REQUIRE_MFA`` on, every request
of a staff user under ``/admin/`` passes ``StaffMFAMiddleware``:

* no authenticator app yet: sent to allauth's set-up page with a plain message;
* an authenticator app, but this session never passed a code (signed in some
  other way, or signed in with the password before the app was set up in
  another browser): signed out and sent to sign in again, password and code.

A session counts as "passed two-factor" when allauth recorded an ``mfa`` step
in it (``allauth.account.authentication.get_authentication_records``: the
code step at sign-in, or a code given to confirm access), or when the user set
up their authenticator app in this very session, which takes a valid code
too (``mark_session_mfa_verified``). Signing out ends both.

Users without admin access (citizens) are never asked for a second factor and
are turned away from ``/admin/``. The MFA pages themselves, static files and
the language switch live outside ``/admin/`` and are never blocked; inside it
only logging out stays open.
"""

from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "backoffice_mfa_verified_user"

# Admin URLs a staff user may use before two-factor is sorted out.
_OPEN_ADMIN_URL_NAMES = {"wagtailadmin_logout", "wagtailadmin_login"}


def has_totp(user):
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request):
    """Whether this session's user gave a second factor in this session."""
    user = request.user
    if request.session.get(SESSION_KEY) == str(user.pk):
        return True
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def mark_session_mfa_verified(request_or_session, user):
    """Note that ``user`` passed two-factor in this session. Used when the
    authenticator app is set up (a valid code was given) and by tests
    (``tests/staff_login.py``)."""
    session = getattr(request_or_session, "session", request_or_session)
    session[SESSION_KEY] = str(user.pk)


class StaffMFAMiddleware:
    """Keeps ``/admin/`` for staff who signed in with two factors (see the
    module docstring). Comes after the authentication, session and message
    middleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def __call__(self, request):
        response = self._refuse(request)
        if response is not None:
            return response
        activating = self._is_totp_activation(request) and not has_totp(request.user)
        response = self.get_response(request)
        if activating and has_totp(request.user):
            # The form only activates after checking a code from the new app.
            mark_session_mfa_verified(request, request.user)
        return response

    @property
    def admin_prefix(self):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("wagtailadmin_home")
        return self._admin_prefix

    def _url_name(self, request):
        try:
            return resolve(request.path_info).url_name
        except Resolver404:
            return None

    def _is_totp_activation(self, request):
        return (request.method == "POST" and request.user.is_authenticated
                and self._url_name(request) == "mfa_activate_totp")

    def _refuse(self, request):
        if not request.path_info.startswith(self.admin_prefix):
            return None
        url_name = self._url_name(request)
        if url_name == "wagtailadmin_login":
            # One sign-in for everybody: allauth's, with its code step.
            next_url = request.GET.get("next") or self.admin_prefix
            return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
        user = request.user
        if not user.is_authenticated or url_name in _OPEN_ADMIN_URL_NAMES:
            return None  # Wagtail sends anonymous visitors to the sign-in page.
        if not user.has_perm("wagtailadmin.access_admin"):
            # Not staff: never asked for a second factor, never let in. (Wagtail
            # would send them to the sign-in page, which sends signed-in users
            # back here.)
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                raise PermissionDenied
            messages.error(request, _("Your account does not have access to the staff pages."))
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL)
        if not settings.STAFF_REQUIRE_MFA:
            return None
        if not has_totp(user):
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                raise PermissionDenied
            messages.warning(request, _(
                "Staff sign in with two-factor authentication. Set up an authenticator app on your "
                "phone to continue to the staff pages."))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if not session_passed_mfa(request):
            logout(request)
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                raise PermissionDenied
            messages.warning(request, _(
                "Please sign in again with your password and a code from your authenticator app."))
            next_url = request.get_full_path() if request.method == "GET" else self.admin_prefix
            return redirect_to_login(next_url, login_url=reverse("account_login"))
        return None


class MFAAdapter(DefaultMFAAdapter):
    """The authenticator app shows the scheme and the staff member's
    municipality, so a person with several accounts can tell them apart."""

    def get_totp_issuer(self):
        from allauth.mfa import app_settings

        if app_settings.TOTP_ISSUER:
            return app_settings.TOTP_ISSUER
        municipality = self._municipality(getattr(context, "request", None))
        if municipality is not None:
            return f"{settings.WAGTAIL_SITE_NAME} – {municipality.name}"
        return settings.WAGTAIL_SITE_NAME

    @staticmethod
    def _municipality(request):
        from wagtail.models import Site

        from .models import Municipality
        from .tenancy import municipality_of

        if request is None:
            return None
        user = getattr(request, "user", None)
        municipality = municipality_of(user) if user is not None and user.is_authenticated else None
        return municipality or Municipality.for_site(Site.find_for_request(request))


def _code_field(field, label, help_text):
    """A code field people can fill in: a visible label instead of a
    placeholder, digits keyboard on phones, the browser may offer the code."""
    field.label = label
    field.help_text = help_text
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({
        "autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off",
        "spellcheck": "false", "size": "10", "class": "code-input",
    })


class AuthenticateForm(mfa_forms.AuthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], _("Code"), _(
            "The 6 digits your authenticator app shows now. No phone at hand? Enter one of your "
            "recovery codes (8 digits); each works once."))


class ReauthenticateForm(mfa_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], _("Code"), _(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."))


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], _("Code from the app"), _(
            "The 6 digits the app shows for this account after you added it."))

    @property
    def secret_groups(self):
        """The key in groups of four, easier to read and type (apps ignore the spaces)."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))
