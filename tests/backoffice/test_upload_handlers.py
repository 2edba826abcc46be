"""The streaming size limit: a file over the limit is dropped while it
arrives, never held whole in memory or on disk, and the rest of the form
survives."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.test import RequestFactory
from django.utils import translation

from backoffice.upload_handlers import LimitedFileUploadHandler, install_upload_limits, upload_errors
from backoffice.uploads import UploadRejected

KB = 1024
CHUNK = 64 * KB


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class SpyTemporaryHandler(TemporaryFileUploadHandler):
    """The real disk handler, remembering what reached it and where."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bytes_by_file, self.paths = {}, []

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.bytes_by_file[file_name] = 0
        self.paths.append(self.file.temporary_file_path())

    def receive_data_chunk(self, raw_data, start):
        self.bytes_by_file[self.file_name] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def post(files_and_fields):
    """A multipart request, parts in the given order, not yet parsed."""
    return RequestFactory().post("/ansoeg/", files_and_fields)


def with_spy(request, **limits):
    spy = SpyTemporaryHandler(request)
    request.upload_handlers = [spy]  # always to disk, so we can see what landed there
    handler = install_upload_limits(request, **limits)
    return handler, spy


def test_handler_stops_at_the_first_chunk_past_the_limit():
    request = RequestFactory().post("/")
    handler = LimitedFileUploadHandler(request, max_file_bytes=100 * KB)
    handler.new_file("business_plan", "plan.pdf", "application/pdf", None)
    consumed = 0

    def chunks():  # a 6.4 MB upload, arriving in 64 KB pieces
        nonlocal consumed
        for _ in range(100):
            consumed += 1
            yield b"x" * CHUNK

    passed_on = 0
    with pytest.raises(SkipFile):
        for chunk in chunks():
            passed_on += len(handler.receive_data_chunk(chunk, 0))

    assert consumed == 2  # it stopped on the second piece, not after the hundredth
    assert passed_on == CHUNK  # the piece that went over was not passed on
    [error] = upload_errors(request)
    assert isinstance(error, UploadRejected)
    assert (error.code, error.field_name, error.name) == ("too_large", "business_plan", "plan.pdf")
    assert error.message.startswith("The file 'plan.pdf' is larger than 100.0\xa0KB, which is the limit")


def test_big_file_is_dropped_but_the_rest_of_the_form_is_kept(settings):
    settings.UPLOAD_MAX_FILE_BYTES = 100 * KB
    request = post({
        "name": "Jens Hansen",
        "business_plan": SimpleUploadedFile("plan.pdf", b"x" * (1024 * KB)),
        "budget": SimpleUploadedFile("budget.xlsx", b"y" * (50 * KB)),
        "idea": "Cykelværksted",
    })
    _, spy = with_spy(request)

    assert request.POST["name"] == "Jens Hansen"
    assert request.POST["idea"] == "Cykelværksted"  # the field after the big file survives
    assert "business_plan" not in request.FILES
    with request.FILES["budget"] as budget:  # Django closes it after the response; here we do
        assert budget.read() == b"y" * (50 * KB)
    # At most one 64 KB piece of the 1 MB file reached the disk, and that
    # partial file is gone.
    assert spy.bytes_by_file["plan.pdf"] <= 100 * KB
    assert not os.path.exists(spy.paths[0])
    [error] = upload_errors(request)
    assert (error.code, error.field_name) == ("too_large", "business_plan")


def test_files_under_the_limit_pass_unchanged(settings):
    settings.UPLOAD_MAX_FILE_BYTES = 100 * KB
    data = os.urandom(100 * KB)  # exactly the limit is allowed
    request = post({"business_plan": SimpleUploadedFile("plan.pdf", data)})
    install_upload_limits(request)
    assert request.FILES["business_plan"].read() == data
    assert upload_errors(request) == []


def test_the_request_total_is_capped_too():
    # Each file is under the per-file limit, but the application has only
    # 120 KB left: the second file is dropped.
    request = post({
        "business_plan": SimpleUploadedFile("plan.pdf", b"x" * (80 * KB)),
        "budget": SimpleUploadedFile("budget.xlsx", b"y" * (80 * KB)),
        "cv": SimpleUploadedFile("cv.pdf", b"z" * (30 * KB)),
    })
    install_upload_limits(request, max_file_bytes=100 * KB, max_total_bytes=120 * KB)

    assert set(request.FILES) == {"business_plan", "cv"}  # a later small file still fits
    [error] = upload_errors(request)
    assert (error.code, error.field_name) == ("quota_exceeded", "budget")
    assert "may take up 120.0\xa0KB in all, and 40.0\xa0KB was left" in error.message


def test_defaults_come_from_settings(settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1234
    settings.UPLOAD_MAX_APPLICATION_BYTES = 5678
    handler = LimitedFileUploadHandler(RequestFactory().post("/"))
    assert (handler.max_file_bytes, handler.max_total_bytes) == (1234, 5678)


def test_can_be_configured_as_a_global_upload_handler(settings):
    settings.UPLOAD_MAX_FILE_BYTES = 10 * KB
    settings.FILE_UPLOAD_HANDLERS = [
        "backoffice.upload_handlers.LimitedFileUploadHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    request = post({"business_plan": SimpleUploadedFile("plan.pdf", b"x" * (20 * KB)), "name": "Jens"})
    assert request.POST["name"] == "Jens"
    assert "business_plan" not in request.FILES
    assert upload_errors(request)[0].code == "too_large"


def test_installing_after_the_body_was_read_fails_loudly():
    request = post({"name": "Jens"})
    request.POST  # what CsrfViewMiddleware does before the view runs  # noqa: B018
    with pytest.raises(RuntimeError, match="csrf_exempt"):
        install_upload_limits(request)


def test_no_errors_without_the_handler():
    assert upload_errors(RequestFactory().get("/")) == []
