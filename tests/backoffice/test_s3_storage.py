"""Citizens' files in production: S3 through django-storages, tested against
moto's S3 in server mode (a real HTTP endpoint on 127.0.0.1, no network).

The storage settings are not written out here: ``config/settings/base.py``
is evaluated afresh with the environment variables a production process
has, so what is tested is what production builds. Production resolves
``FileField(storage=private_storage)`` when the models load, after the
settings; the test process loaded the models under the test settings, so
the fixture resolves the same callable again once the settings are S3.

Run alone with ``pytest -m s3``; ``make test`` includes these tests too.
"""

import importlib.util
import logging
import os
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django.http import Http404
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from storages.backends.s3 import S3Storage

from backoffice.downloads import private_file_response
from backoffice.models import Document
from backoffice.models.cases import private_storage
from backoffice.services.cases import ApplicationSubmission, submit_application
from backoffice.uploads import validate_upload
from config.settings import base as base_settings

from ..files import pdf_bytes

pytestmark = pytest.mark.s3

REGION = "eu-north-1"
PRIVATE_BUCKET = "mikrolaan-private-test"
PUBLIC_BUCKET = "mikrolaan-media-test"
# A CDN in front of the public media: must never be used for private files.
PUBLIC_MEDIA_DOMAIN = "media.mikrolaan.example"
KEY_ID, SECRET = "test-key-id", "test-secret-key"
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}
PDF = pdf_bytes(b"% Amina Hansen, 010190-1234\n")
ORIGINAL_NAME = "Amina Hansen 010190-1234 forretningsplan.pdf"


@dataclass(frozen=True)
class S3:
    endpoint: str
    client: object  # boto3 S3 client with the bucket owner's credentials

    def object_url(self, bucket, key):
        """The plain (unsigned) URL of an object, path-style."""
        return f"{self.endpoint}/{bucket}/{key}"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto keeps its buckets in this process, not per server: pytest may set
    # this fixture up again (its tests reordered around transactional ones).
    urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST"))
    s3 = S3(f"http://{host}:{port}", boto3.client(
        "s3", endpoint_url=f"http://{host}:{port}", region_name=REGION,
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
    ))
    for bucket in (PRIVATE_BUCKET, PUBLIC_BUCKET):
        s3.client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # As the README asks of the private bucket in production.
    s3.client.put_public_access_block(Bucket=PRIVATE_BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })
    yield s3
    server.stop()


def _settings_from_environment(environ):
    """config/settings/base.py evaluated afresh under ``environ``."""
    spec = importlib.util.spec_from_file_location("_settings_with_s3", base_settings.__file__)
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, environ):
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def s3(s3_endpoint):
    """Both storages on S3, configured as production configures them."""
    production = _settings_from_environment({
        "AWS_STORAGE_BUCKET_NAME": PUBLIC_BUCKET,
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": PRIVATE_BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint.endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_S3_CUSTOM_DOMAIN": PUBLIC_MEDIA_DOMAIN,
    })
    overrides = {name: getattr(production, name) for name in dir(production) if name.startswith("AWS_")}
    # The storage handler is rebuilt on this change (Django's setting_changed receiver).
    overrides["STORAGES"] = {
        **settings.STORAGES,
        "default": production.STORAGES["default"],
        "private": production.STORAGES["private"],
    }
    private_fields = [
        field for model in apps.get_models() for field in model._meta.get_fields()
        if isinstance(field, FileField) and getattr(field, "_storage_callable", None) is private_storage
    ]
    assert private_fields, "no FileField uses backoffice.models.cases.private_storage"
    resolved_at_import = [field.storage for field in private_fields]
    with override_settings(**overrides):
        try:
            for field in private_fields:
                field.storage = field._storage_callable()
            yield s3_endpoint
        finally:
            for field, storage in zip(private_fields, resolved_at_import):
                field.storage = storage


@pytest.fixture
def citizen(demo):
    return get_user_model().objects.get(email="borger@nordby.example")


@pytest.fixture
def submitted_case(nordby, citizen):
    case, _ = submit_application(ApplicationSubmission(
        submission_key=uuid.uuid4(), municipality=nordby, citizen=citizen,
        answers={"full_name": "Amina Hansen", "cpr_number": "010190-1234", "email": "amina@example.dk",
                 "business_idea": "Systue", "requested_amount_dkk": 40000},
    ))
    return case


def _upload(case):
    """A citizen's PDF through the upload checks into a Document, as the portal does it."""
    validated = validate_upload(SimpleUploadedFile(ORIGINAL_NAME, PDF, content_type="application/pdf"))
    return Document.objects.create(
        case=case, kind=Document.Kind.BUSINESS_PLAN, visible_to_citizen=True, **validated.document_fields()
    )


def _anonymous_get(url):
    """Status of a GET without any credentials, as anyone on the internet could send it."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_both_storages_are_s3_and_private_files_use_the_private_bucket(s3):
    private, public = storages["private"], storages["default"]
    assert isinstance(private, S3Storage) and private.bucket_name == PRIVATE_BUCKET
    assert isinstance(public, S3Storage) and public.bucket_name == PUBLIC_BUCKET
    assert Document._meta.get_field("file").storage is private


def test_an_upload_is_stored_in_the_private_bucket_under_a_random_name(s3, submitted_case):
    document = _upload(submitted_case)

    key = document.file.name
    assert re.fullmatch(r"documents/[0-9a-f]{2}/[0-9a-f]{32}", key)
    stored = s3.client.get_object(Bucket=PRIVATE_BUCKET, Key=key)
    assert stored["Body"].read() == PDF
    # Neither the key nor the object's metadata carries the file name (personal data).
    assert "ContentDisposition" not in stored and not stored.get("Metadata")
    public_keys = [o["Key"] for o in s3.client.list_objects_v2(Bucket=PUBLIC_BUCKET).get("Contents", [])]
    assert key not in public_keys
    assert Document.objects.get(pk=document.pk).file.read() == PDF


def test_uploads_name_no_acl_so_buckets_with_acls_disabled_accept_them(s3, submitted_case):
    """AWS's default for new buckets ("bucket owner enforced") refuses a
    PutObject carrying any ACL, even "private", with AccessControlListNotSupported;
    moto does not enforce that, so the request headers are checked instead."""
    sent = []
    events = storages["private"].connection.meta.client.meta.events

    def record(request, **kwargs):
        sent.append({name.lower() for name in request.headers})

    events.register("before-send.s3.PutObject", record)
    try:
        _upload(submitted_case)
    finally:
        events.unregister("before-send.s3.PutObject", record)
    assert sent
    assert all("x-amz-acl" not in headers and not any(h.startswith("x-amz-grant") for h in headers)
               for headers in sent)


def test_the_download_response_streams_the_file_as_an_attachment(s3, submitted_case):
    document = _upload(submitted_case)

    response = private_file_response(document.file, document.original_name, document.content_type)
    try:
        assert b"".join(response.streaming_content) == PDF
    finally:
        response.close()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_an_object_missing_from_the_bucket_is_a_404_not_a_server_error(s3, submitted_case):
    document = _upload(submitted_case)
    s3.client.delete_object(Bucket=PRIVATE_BUCKET, Key=document.file.name)

    with pytest.raises(Http404):
        private_file_response(Document.objects.get(pk=document.pk).file, document.original_name)


def test_the_object_is_not_publicly_readable(s3, submitted_case):
    document = _upload(submitted_case)

    status, body = _anonymous_get(s3.object_url(PRIVATE_BUCKET, document.file.name))
    assert status == 403 and PDF not in body
    grants = s3.client.get_object_acl(Bucket=PRIVATE_BUCKET, Key=document.file.name)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]


def test_the_anonymous_check_does_see_a_public_object(s3):
    """Control for the test above: the same request does read an object
    that is public, so the 403 there is the object's, not the endpoint's."""
    s3.client.put_object(Bucket=PUBLIC_BUCKET, Key="control/public.txt", Body=b"public", ACL="public-read")
    assert _anonymous_get(s3.object_url(PUBLIC_BUCKET, "control/public.txt")) == (200, b"public")


def test_the_url_of_a_private_file_is_signed_and_expires_within_minutes(s3, submitted_case):
    document = _upload(submitted_case)

    url = document.file.url
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint  # never the public media domain
    assert PUBLIC_MEDIA_DOMAIN not in url
    assert parts.path == f"/{PRIVATE_BUCKET}/{document.file.name}"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and query["X-Amz-Signature"]
    assert 0 < int(query["X-Amz-Expires"]) <= 300
    assert query["X-Amz-Credential"].startswith(f"{KEY_ID}/")

    assert _anonymous_get(url) == (200, PDF)  # the signed URL works ...
    assert _anonymous_get(url.split("?")[0])[0] == 403  # ... the same URL unsigned does not


def test_the_citizen_downloads_a_case_document_from_my_page(s3, submitted_case, citizen, client):
    document = _upload(submitted_case)
    Document.objects.filter(pk=document.pk).update(scan_status=Document.ScanStatus.CLEAN)
    try:
        url = reverse("my_page_case_document", kwargs={"pk": document.pk})
    except NoReverseMatch:
        pytest.skip("My page's document download (URL name my_page_case_document) does not exist yet")

    client.force_login(citizen)
    response = client.get(url, HTTP_HOST=f"{submitted_case.municipality.site.hostname}:"
                                         f"{submitted_case.municipality.site.port}")

    # Streamed by the app after its access check, never a redirect to the bucket.
    assert response.status_code == 200, response
    assert response.getvalue() == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
