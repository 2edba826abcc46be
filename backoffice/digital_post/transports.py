"""The two ways a letter leaves: a local outbox, or Serviceplatformen."""

import requests
from django.conf import settings
from python_serviceplatformen import digital_post

from ..models import LetterDispatch
from . import Outcome, SendFailed, memo
from .access import access_for

C = LetterDispatch.Channel


class Outbox:
    """Development and tests: build the MeMo message as it would be sent,
    keep it, and count the letter as available at once."""

    def send(self, case, letter):
        cpr, name = memo.recipient_cpr(case)
        message = memo.build_message(case, letter, cpr=cpr, name=name,
                                     sender_cvr=case.municipality.cvr_number)
        return Outcome(channel=C.OUTBOX, payload_xml=memo.message_body(message))


class Serviceplatformen:
    """KOMBIT's Serviceplatformen (SF1601): Digital Post when the citizen
    is registered for it, else physical mail (Fjernprint) or, with
    ``DIGITAL_POST_PHYSICAL_MAIL`` off, a print by staff."""

    def send(self, case, letter):
        cvr = case.municipality.cvr_number
        if not cvr:
            raise SendFailed("municipality_has_no_cvr", retry=False)
        if not settings.SERVICEPLATFORMEN_CERT_PATH:
            raise SendFailed("no_certificate", retry=False)
        cpr, name = memo.recipient_cpr(case)
        if not cpr:
            return Outcome(channel=C.PRINT_BY_STAFF, needs_printing=True, reason="no_cpr_number")
        access = access_for(cvr)
        with _errors():
            registered = digital_post.is_registered(cpr, "digitalpost", access)
        if registered:
            message = memo.build_message(case, letter, cpr=cpr, name=name, sender_cvr=cvr)
            with _errors():
                transaction_id = digital_post.send_message("Digital Post", message, access)
            return Outcome(channel=C.DIGITAL_POST, transaction_id=transaction_id,
                           payload_xml=memo.message_body(message))
        if not settings.DIGITAL_POST_PHYSICAL_MAIL:
            return Outcome(channel=C.PRINT_BY_STAFF, needs_printing=True, reason="not_registered")
        shipment = memo.build_physical_mail(letter)
        with _errors():
            transaction_id = digital_post.send_physical_mail(shipment, access)
        return Outcome(channel=C.PHYSICAL_MAIL, transaction_id=transaction_id,
                       payload_xml=memo.physical_mail_body(shipment))


class _errors:
    """Turn the library's errors into ``SendFailed`` with a code that
    names the error only. A time-out or a lost connection may come after
    the message arrived: retried, with the same message UUID."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, requests.HTTPError):
            status = exc.response.status_code if exc.response is not None else 0
            # A refusal of the message itself will be refused again; the
            # rest (server errors, throttling, expired tokens) may pass later.
            retry = not (400 <= status < 500) or status in (401, 403, 408, 429)
            raise SendFailed(f"http_{status}", retry=retry) from exc
        if isinstance(exc, requests.Timeout):
            raise SendFailed("timeout") from exc
        if isinstance(exc, requests.ConnectionError):
            raise SendFailed("connection_error") from exc
        if isinstance(exc, (requests.RequestException, ValueError, KeyError)):
            # ValueError: no token from the token service, or an unreadable answer.
            raise SendFailed(type(exc).__name__) from exc
        return False


TRANSPORTS = {"outbox": Outbox, "serviceplatformen": Serviceplatformen}
