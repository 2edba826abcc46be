from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from . import session


@receiver(user_logged_in)
def keep_mitid_identity(sender, request, user, sociallogin=None, **kwargs):
    identity = getattr(sociallogin, "mitid_identity", None)
    if identity is not None:
        session.remember_sign_in(request, identity, sociallogin.mitid_id_token)
