"""Letters to the citizen in Digital Post: one call, ``send_letter(case,
letter)``, and a transport the installation chooses by settings.

``DIGITAL_POST_TRANSPORT``:

- ``"outbox"`` (development and tests): the MeMo message is built as it
  would be sent and kept on the dispatch record; the letter counts as
  available at once (``transports.Outbox``).
- ``"serviceplatformen"`` (production): KOMBIT's Serviceplatformen (SF1601)
  through ``python-serviceplatformen``, with the municipality's CVR number
  as sender (``transports.Serviceplatformen``).

The caller (``services.digital_post``) owns the record, the retries and the
audit log; a transport only sends and says what happened."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Outcome:
    """What a transport did with the letter."""

    channel: str  # LetterDispatch.Channel
    transaction_id: str = ""
    payload_xml: str = ""
    # The citizen cannot get it through the transport: staff print and post it.
    needs_printing: bool = False
    reason: str = ""  # why it needs printing (no personal data)


class SendFailed(Exception):
    """The letter was not (or maybe not) accepted. ``code`` names the error
    for the record and the staff page, without personal data. ``retry``:
    trying again later may help (server errors, time-outs, connection lost:
    the message may have arrived, so a retry uses the same message UUID)."""

    def __init__(self, code, *, retry=True):
        super().__init__(code)
        self.code = code
        self.retry = retry


def transport():
    from . import transports

    name = settings.DIGITAL_POST_TRANSPORT
    try:
        return transports.TRANSPORTS[name]()
    except KeyError:
        raise ImproperlyConfigured(f"Unknown DIGITAL_POST_TRANSPORT {name!r}") from None


def send_letter(case, letter):
    """Send the letter ``Document`` of ``case`` to the citizen. The letter's
    ``dispatch`` gives the message UUID, kind and title. Returns an
    ``Outcome``; raises ``SendFailed``."""
    return transport().send(case, letter)
