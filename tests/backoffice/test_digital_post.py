"""Letters in Digital Post: every consultation and decision letter becomes a
MeMo message, sent by the real ``python-serviceplatformen`` to a local peer
standing in for Serviceplatformen (tests/serviceplatformen_peer.py); the
outbox in the default settings; retries that reuse the message UUID and
never send a letter twice; physical mail or a print by staff for a citizen
without Digital Post; and the staff actions on the case page."""

import base64
import io
import re
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import task_backends
from wagtail.models import ModelLogEntry

from backoffice.models import Case, DecisionKind, LetterDispatch
from backoffice.services import decisions
from backoffice.services import digital_post as service
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.deadlines import next_working_day
from tests.serviceplatformen_peer import KOMBI_PATH, MEMO_PATH, peer_certificate, running_peer

User = get_user_model()
S = LetterDispatch.Status
K = DecisionKind
MEMO = "{https://DigitalPost.dk/MeMo-1}"
GRD = "{https://data.gov.dk/model/core/}"
KLE = "{http://kle-online.dk/}"
FJERNPRINT = "{urn:oio:fjernprint:1.0.0}"
DKAL = "{urn:oio:dkal:1.0.0}"
CVR = "29189846"
CPR = "0101901234"
TOKEN = "Bearer peer-token"
REASON = "Forretningsplanen viser ikke, hvordan du får kunder nok til at kunne leve af virksomheden."


def user(email):
    return User.objects.get(email=email)


@pytest.fixture
def caseworker(demo):
    return user("sagsbehandler@nordby.example")


@pytest.fixture
def case(nordby, demo):
    nordby.cvr_number = CVR
    nordby.save(update_fields=["cvr_number"])
    case, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=user("borger@nordby.example"),
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example",
                 "address": "Havnegade 3", "postcode": "9000", "city": "Nordby",
                 "business_idea": "Cykelværksted"},
    ))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SCREENING)
    case.refresh_from_db()
    return case


@pytest.fixture
def peer(settings, tmp_path):
    with running_peer() as peer:
        settings.DIGITAL_POST_TRANSPORT = "serviceplatformen"
        settings.SERVICEPLATFORMEN_URL = peer.url
        settings.SERVICEPLATFORMEN_ACCESS_TOKEN = TOKEN
        settings.SERVICEPLATFORMEN_CERT_PATH = peer_certificate(tmp_path / "peer.pem")
        yield peer


def admit(case, caseworker, capture):
    """Admit the citizen (fully granted: no consultation), letters sent on commit."""
    with capture(execute=True):
        decision = decisions.draft_decision(case, caseworker, K.ADMIT_TO_COURSE)
        case.refresh_from_db()
        decision = decisions.finalise_decision(decision, caseworker, expected_version=case.version)
    return LetterDispatch.objects.get(document=decision.letter_id)


def consult(case, caseworker, capture):
    with capture(execute=True):
        decision = decisions.draft_decision(case, caseworker, K.REFER_TO_ORDINARY_EFFORT, reason=REASON)
        case.refresh_from_db()
        deadline = next_working_day(timezone.localdate() + timedelta(days=15))
        decision = decisions.send_for_consultation(decision, caseworker, deadline=deadline,
                                                   expected_version=case.version)
    return LetterDispatch.objects.get(document=decision.letter_id)


def retry_due(capture):
    """Time passes until the retry is due; the operators' command sends it."""
    LetterDispatch.objects.filter(status__in=(S.QUEUED, S.SENDING)).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    with capture(execute=True):
        call_command("send_pending_letters", stdout=io.StringIO())


def parse(body):
    """The library declares ``encoding='utf8'``, a name Python's expat does
    not know (it wants "utf-8"); the bytes are UTF-8, so decode them first."""
    return ET.fromstring(re.sub(r"^<\?xml[^>]*\?>\s*", "", body.decode("utf-8")))


def kombi(received):
    return parse(received.body)


def message_uuid(received):
    return kombi(received).find(f"{MEMO}Message/{MEMO}MessageHeader/{MEMO}messageUUID").text


def pdf_of(document):
    with document.file.open("rb") as handle:
        return handle.read()


def log_entries(case, action):
    return list(ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk), action=action))


# --- The message ----------------------------------------------------------------------------------


def test_decision_letter_goes_to_serviceplatformen_as_memo(case, caseworker, peer,
                                                           django_capture_on_commit_callbacks):
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)

    [lookup] = peer.lookups()
    assert lookup.query == {"cprNumber": [CPR]} and lookup.headers["authorization"] == TOKEN
    [post] = peer.posts(MEMO_PATH)
    assert post.headers["authorization"] == TOKEN and post.headers["Content-Type"] == "application/xml"
    root = kombi(post)
    assert root.tag == "kombi_request" and root.find("KombiValgKode").text == "Digital Post"
    message = root.find(f"{MEMO}Message")
    assert message.get("memoVersion") == "1.2"
    header = message.find(f"{MEMO}MessageHeader")
    assert header.find(f"{MEMO}messageType").text == "DIGITALPOST"
    assert header.find(f"{MEMO}messageUUID").text == str(dispatch.message_uuid)
    assert header.find(f"{MEMO}label").text == "Du er optaget på forløbet" == dispatch.label
    assert header.find(f"{MEMO}legalNotification").text == "true"
    assert header.find(f"{MEMO}mandatory").text == "true"
    sender = header.find(f"{MEMO}Sender")
    assert sender.find(f"{MEMO}senderID").text == CVR and sender.find(f"{MEMO}idType").text == "CVR"
    recipient = header.find(f"{MEMO}Recipient")
    assert recipient.find(f"{MEMO}recipientID").text == CPR and recipient.find(f"{MEMO}idType").text == "CPR"
    content = header.find(f"{MEMO}ContentData")
    assert content.find(f"{MEMO}CaseID/{MEMO}caseID").text == case.reference
    assert content.find(f"{KLE}KLEdata/{KLE}subjectKey").text == "24.00.00"
    assert content.find(f"{GRD}CPRdata/{GRD}cprNumber").text == CPR
    file = message.find(f"{MEMO}MessageBody/{MEMO}MainDocument/{MEMO}File")
    assert file.find(f"{MEMO}encodingFormat").text == "application/pdf"
    assert file.find(f"{MEMO}language").text == "da"
    assert file.find(f"{MEMO}filename").text == dispatch.document.original_name
    pdf = base64.b64decode(file.find(f"{MEMO}content").text)
    assert pdf.startswith(b"%PDF") and pdf == pdf_of(dispatch.document)

    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT and dispatch.channel == LetterDispatch.Channel.DIGITAL_POST
    assert dispatch.attempts == 1 and dispatch.last_error == ""
    assert dispatch.transaction_id == post.headers["X-TransaktionsId"]
    assert dispatch.sent_at and dispatch.available_at == dispatch.sent_at
    # The audit copy is the MeMo message that was posted.
    assert dispatch.payload_xml == post.body.decode("utf-8")
    [entry] = log_entries(case, service.SENT_ACTION)
    assert entry.data["dispatch"] == dispatch.pk and entry.data["channel"] == "digital_post"
    assert CPR not in str(entry.data)


def test_consultation_letter_is_sent_with_its_title(case, caseworker, peer,
                                                    django_capture_on_commit_callbacks):
    dispatch = consult(case, caseworker, django_capture_on_commit_callbacks)
    [post] = peer.posts(MEMO_PATH)
    header = kombi(post).find(f"{MEMO}Message/{MEMO}MessageHeader")
    assert header.find(f"{MEMO}label").text == f"Partshøring – {case.reference}"
    assert header.find(f"{MEMO}mandatory").text == "false"
    assert header.find(f"{MEMO}legalNotification").text == "true"
    dispatch.refresh_from_db()
    assert dispatch.kind == LetterDispatch.Kind.CONSULTATION and dispatch.status == S.SENT


def test_outbox_is_the_default_transport(case, caseworker, settings, django_capture_on_commit_callbacks):
    assert settings.DIGITAL_POST_TRANSPORT == "outbox"
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT and dispatch.channel == LetterDispatch.Channel.OUTBOX
    assert dispatch.available_at is not None
    header = parse(dispatch.payload_xml.encode()).find(f"{MEMO}Message/{MEMO}MessageHeader")
    assert header.find(f"{MEMO}messageUUID").text == str(dispatch.message_uuid)
    assert header.find(f"{MEMO}Recipient/{MEMO}recipientID").text == CPR
    assert case.documents.get().dispatch == dispatch


# --- Retries and idempotency ----------------------------------------------------------------------


def test_server_error_is_retried_with_the_same_uuid_and_never_sent_twice(
        case, caseworker, peer, django_capture_on_commit_callbacks):
    peer.plan = [500]
    before = timezone.now()
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    dispatch.refresh_from_db()
    assert dispatch.status == S.QUEUED and dispatch.attempts == 1 and dispatch.last_error == "http_500"
    assert before + timedelta(minutes=1) <= dispatch.next_attempt_at <= timezone.now() + timedelta(minutes=1)
    # Not due yet: the command leaves it.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_letters", stdout=io.StringIO())
    assert len(peer.posts(MEMO_PATH)) == 1

    retry_due(django_capture_on_commit_callbacks)
    first, second = peer.posts(MEMO_PATH)
    assert message_uuid(first) == message_uuid(second) == str(dispatch.message_uuid)
    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT and dispatch.attempts == 2 and dispatch.last_error == ""

    # The task runs again (a duplicate in the queue, an operator's run): nothing is posted.
    with django_capture_on_commit_callbacks(execute=True):
        service.deliver_letter.enqueue(dispatch.pk)
    retry_due(django_capture_on_commit_callbacks)
    assert len(peer.posts(MEMO_PATH)) == 2
    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT and dispatch.attempts == 2


def test_dropped_connection_counts_as_maybe_sent_and_is_retried_with_the_same_uuid(
        case, caseworker, peer, django_capture_on_commit_callbacks):
    peer.plan = ["drop"]
    started = time.monotonic()
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 2
    dispatch.refresh_from_db()
    assert dispatch.status == S.QUEUED and dispatch.attempts == 1
    assert dispatch.last_error == "connection_error"

    retry_due(django_capture_on_commit_callbacks)
    first, second = peer.posts(MEMO_PATH)
    assert message_uuid(first) == message_uuid(second) == str(dispatch.message_uuid)
    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT


def test_gives_up_after_the_last_retry_and_tells_staff(client, case, caseworker, peer,
                                                        django_capture_on_commit_callbacks):
    peer.plan = [503] * service.MAX_ATTEMPTS
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    for _ in range(service.MAX_ATTEMPTS - 1):
        retry_due(django_capture_on_commit_callbacks)
    dispatch.refresh_from_db()
    assert dispatch.status == S.FAILED and dispatch.attempts == service.MAX_ATTEMPTS
    assert dispatch.last_error == "http_503" and dispatch.next_attempt_at is None
    posts = peer.posts(MEMO_PATH)
    assert len(posts) == service.MAX_ATTEMPTS
    assert {message_uuid(p) for p in posts} == {str(dispatch.message_uuid)}
    [entry] = log_entries(case, service.FAILED_ACTION)
    assert entry.data["attempts"] == service.MAX_ATTEMPTS and entry.data["error"] == "http_503"
    # A failed letter stays failed: the command does not pick it up again.
    retry_due(django_capture_on_commit_callbacks)
    assert len(peer.posts(MEMO_PATH)) == service.MAX_ATTEMPTS

    client.force_login(caseworker)
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert f'id="letter-{dispatch.pk}" data-status="failed"' in page
    assert reverse("backoffice:letter_send_again", args=[case.pk, dispatch.pk]) in page
    assert reverse("backoffice:letter_printed", args=[case.pk, dispatch.pk]) in page


def test_a_refused_message_fails_at_once(case, caseworker, peer, django_capture_on_commit_callbacks):
    peer.plan = [400]
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    dispatch.refresh_from_db()
    assert dispatch.status == S.FAILED and dispatch.attempts == 1 and dispatch.last_error == "http_400"


def test_a_retrying_letter_shows_on_the_case_page(client, case, caseworker, peer,
                                                 django_capture_on_commit_callbacks):
    peer.plan = [500]
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    client.force_login(caseworker)
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert f'id="letter-{dispatch.pk}" data-status="queued"' in page and "http_500" in page
    assert reverse("backoffice:letter_send_again", args=[case.pk, dispatch.pk]) not in page


# --- Citizens without Digital Post ----------------------------------------------------------------


def test_a_citizen_without_digital_post_gets_physical_mail(case, caseworker, peer,
                                                          django_capture_on_commit_callbacks):
    peer.registered = False
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    assert peer.posts(MEMO_PATH) == []
    [post] = peer.posts(KOMBI_PATH)
    root = kombi(post)
    assert root.find("KombiValgKode").text == "Fysisk Post"
    shipment = root.find(f"{FJERNPRINT}ForsendelseISamling/{FJERNPRINT}ForsendelseI")
    assert shipment.find(f"{FJERNPRINT}AfsendelseIdentifikator").text == str(dispatch.message_uuid)
    pdf = base64.b64decode(shipment.find(f"{DKAL}MeddelelseIndholdData").text)
    assert pdf.startswith(b"%PDF") and pdf == pdf_of(dispatch.document)
    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT and dispatch.channel == LetterDispatch.Channel.PHYSICAL_MAIL
    assert dispatch.available_at is not None


def test_without_physical_mail_staff_print_the_letter(client, case, caseworker, peer, settings,
                                                     django_capture_on_commit_callbacks):
    settings.DIGITAL_POST_PHYSICAL_MAIL = False
    peer.registered = False
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    assert peer.posts() == []
    dispatch.refresh_from_db()
    assert dispatch.status == S.NEEDS_PRINTING and dispatch.available_at is None
    assert len(log_entries(case, service.NEEDS_PRINTING_ACTION)) == 1

    client.force_login(caseworker)
    page = client.get(reverse("backoffice:case", args=[case.pk])).content.decode()
    assert f'id="letter-{dispatch.pk}" data-status="needs_printing"' in page
    response = client.post(reverse("backoffice:letter_printed", args=[case.pk, dispatch.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#digital-post")
    dispatch.refresh_from_db()
    assert dispatch.status == S.SENT and dispatch.channel == LetterDispatch.Channel.PRINT_BY_STAFF
    assert dispatch.available_at is not None
    [entry] = log_entries(case, service.PRINTED_ACTION)
    assert entry.user_id == caseworker.pk
    # Printed once: doing it again is refused and changes nothing.
    available = dispatch.available_at
    client.post(reverse("backoffice:letter_printed", args=[case.pk, dispatch.pk]))
    dispatch.refresh_from_db()
    assert dispatch.available_at == available and len(log_entries(case, service.PRINTED_ACTION)) == 1


def test_delivery_report_marks_the_letter_delivered(case, caseworker, django_capture_on_commit_callbacks):
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    assert service.record_delivery(dispatch.message_uuid).status == S.DELIVERED
    dispatch.refresh_from_db()
    assert dispatch.delivered_at is not None
    assert len(log_entries(case, service.DELIVERED_ACTION)) == 1
    assert service.record_delivery(dispatch.message_uuid) is None  # reported twice: recorded once


# --- Staff actions --------------------------------------------------------------------------------


@pytest.fixture
def failed(case, caseworker, peer, django_capture_on_commit_callbacks):
    peer.plan = [400]
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    dispatch.refresh_from_db()
    assert dispatch.status == S.FAILED
    return dispatch


def test_send_again_sends_the_same_message(client, case, caseworker, failed, peer,
                                           django_capture_on_commit_callbacks):
    client.force_login(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:letter_send_again", args=[case.pk, failed.pk]))
    assert response.status_code == 302
    first, second = peer.posts(MEMO_PATH)
    assert message_uuid(first) == message_uuid(second) == str(failed.message_uuid)
    failed.refresh_from_db()
    assert failed.status == S.SENT
    [entry] = log_entries(case, service.RESEND_ACTION)
    assert entry.user_id == caseworker.pk and entry.data["previous"] == "failed"


def test_send_again_is_a_post(client, case, caseworker, failed):
    client.force_login(caseworker)
    assert client.get(reverse("backoffice:letter_send_again", args=[case.pk, failed.pk])).status_code == 405


@pytest.mark.parametrize("email", ["sagsbehandler@sydby.example", "koordinator@sydby.example"])
def test_staff_of_another_municipality_get_404(client, case, failed, peer, email):
    client.force_login(user(email))
    for name in ("letter_send_again", "letter_printed"):
        assert client.post(reverse(f"backoffice:{name}", args=[case.pk, failed.pk])).status_code == 404
    failed.refresh_from_db()
    assert failed.status == S.FAILED and len(peer.posts()) == 1


def test_a_citizen_has_no_access(client, case, failed, peer):
    client.force_login(user("borger@nordby.example"))
    response = client.post(reverse("backoffice:letter_send_again", args=[case.pk, failed.pk]))
    assert response.status_code == 302 and "/admin/casework/" not in response["Location"]
    failed.refresh_from_db()
    assert failed.status == S.FAILED and len(peer.posts()) == 1


def test_a_letter_of_another_case_is_404(client, case, caseworker, failed, nordby):
    other, _created = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=user("borger@nordby.example"),
        answers={"full_name": "Bo Borger", "cpr_number": "010190-1234", "email": "borger@nordby.example"}))
    client.force_login(caseworker)
    assert client.post(reverse("backoffice:letter_send_again", args=[other.pk, failed.pk])).status_code == 404


# --- Settings and data ----------------------------------------------------------------------------


def test_municipality_cvr_number_is_validated(nordby):
    nordby.cvr_number = "12345678"
    with pytest.raises(ValidationError):
        nordby.full_clean()
    nordby.cvr_number = ""
    nordby.full_clean()


def test_a_municipality_without_cvr_number_cannot_send(case, caseworker, peer,
                                                       django_capture_on_commit_callbacks):
    case.municipality.cvr_number = ""
    case.municipality.save(update_fields=["cvr_number"])
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    dispatch.refresh_from_db()
    assert dispatch.status == S.FAILED and dispatch.last_error == "municipality_has_no_cvr"
    assert peer.received == []


def test_case_page_queries_do_not_grow_with_the_letters(client, case, caseworker,
                                                        django_capture_on_commit_callbacks):
    consult(case, caseworker, django_capture_on_commit_callbacks)
    client.force_login(caseworker)
    url = reverse("backoffice:case", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one_letter:
        assert client.get(url).status_code == 200
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.finalise_decision(case.decisions.get(), caseworker, expected_version=case.version,
                                    now=timezone.now() + timedelta(days=30))
    assert case.letter_dispatches.filter(status=S.SENT).count() == 2
    with CaptureQueriesContext(connection) as two_letters:
        assert client.get(url).status_code == 200
    assert len(two_letters.captured_queries) <= len(one_letter.captured_queries)


def test_with_a_worker_the_retry_waits_for_its_time(case, caseworker, peer, settings,
                                                   django_capture_on_commit_callbacks):
    """The database worker can run a task later: a failed attempt queues
    the next one with ``run_after`` (the immediate backend of the tests
    cannot, which is what ``send_pending_letters`` is for)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    peer.plan = [500]
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    backend = task_backends["default"]

    def sends():
        return [r for r in backend.results if r.task.module_path == service.deliver_letter.module_path]

    [first] = sends()  # queued on commit, not run: the worker would run it
    assert first.args == [dispatch.pk] and first.task.run_after is None
    with django_capture_on_commit_callbacks(execute=True):
        service.attempt(dispatch.pk)
    dispatch.refresh_from_db()
    assert dispatch.status == S.QUEUED and dispatch.attempts == 1
    [_first, retry] = sends()
    assert retry.args == [dispatch.pk] and retry.task.run_after == dispatch.next_attempt_at


# --- The dashboard --------------------------------------------------------------------------------


def test_a_letter_that_did_not_go_out_is_on_the_dashboard_of_its_municipality_only(
        client, case, caseworker, peer, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client.force_login(caseworker)
    calm = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="backoffice-letters-needing-staff-section"' not in calm  # nothing to do: no panel

    peer.plan = [400]
    dispatch = admit(case, caseworker, django_capture_on_commit_callbacks)
    assert LetterDispatch.objects.get(pk=dispatch.pk).status == S.FAILED
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="backoffice-letters-needing-staff-section"' in page
    assert f'{reverse("backoffice:case", args=[case.pk])}#digital-post' in page and case.reference in page
    assert "0101901234" not in page and "010190-1234" not in page

    # More letters cost no more queries.
    second = admit_another(case, caseworker, django_capture_on_commit_callbacks, peer)
    assert second.status == S.FAILED
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("wagtailadmin_home"))

    client.force_login(user("sagsbehandler@sydby.example"))
    assert 'id="backoffice-letters-needing-staff-section"' not in client.get(reverse("wagtailadmin_home")).content.decode()


def admit_another(case, caseworker, capture, peer):
    """A second letter on the case that also fails (a write-off decision's
    letter stands in: any letter will do)."""
    peer.plan = [400]
    dispatch = LetterDispatch.objects.get(case=case)
    with capture(execute=True):
        again = LetterDispatch.objects.create(
            document=_copy_letter(dispatch.document), case=case, kind=dispatch.kind, label=dispatch.label,
            queued_at=timezone.now())
        service.enqueue(again.pk)
    again.refresh_from_db()
    return again


def _copy_letter(document):
    from django.core.files.base import ContentFile

    copy = type(document).objects.get(pk=document.pk)
    copy.pk = None
    copy.file.save("letter.pdf", ContentFile(pdf_of(document)), save=False)
    copy.save()
    return copy
