"""Upload validation with real files built in code: good ones of every
accepted type, and the bad ones citizens (or attackers) send."""

import hashlib
import io
import zipfile

import openpyxl
import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import translation
from hypothesis import given, strategies as st
from PIL import Image

from backoffice.models import Document
from backoffice.scanning import ScanResult
from backoffice.uploads import UploadRejected, ValidatedUpload, safe_filename, validate_upload

from ..files import (  # noqa: F401
    docx_bytes, jpeg_with_gps, odf_bytes, pdf_bytes, png_bytes, png_claiming, xlsx_bytes, zip_bytes,
)
from .test_scanning import EICAR, closed_port, fake_clamd  # noqa: F401  (fixture)

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english_and_no_scanner(settings):
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""
    with translation.override("en"):
        yield


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")  # the browser's word means nothing


def temporary_upload(name, data):
    """Large uploads arrive as temporary files on disk, not in memory."""
    f = TemporaryUploadedFile(name, "application/octet-stream", len(data), None)
    f.write(data)
    f.seek(0)
    return f


def rejected(f, **kwargs):
    with pytest.raises(UploadRejected) as info:
        validate_upload(f, **kwargs)
    return info.value


# --- good files ----------------------------------------------------------

@pytest.mark.parametrize(
    "name, build, kind, content_type",
    [
        ("Forretningsplan.pdf", pdf_bytes, "pdf", "application/pdf"),
        ("plan.docx", docx_bytes, "docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("budget.xlsx", xlsx_bytes, "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("plan.odt", lambda: odf_bytes("application/vnd.oasis.opendocument.text"), "odt",
         "application/vnd.oasis.opendocument.text"),
        ("budget.ods", lambda: odf_bytes("application/vnd.oasis.opendocument.spreadsheet"), "ods",
         "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
@pytest.mark.parametrize("make_upload", [upload, temporary_upload])
def test_documents_are_accepted_as_they_are(name, build, kind, content_type, make_upload):
    data = build()
    with make_upload(name, data) as f:
        result = validate_upload(f)
        assert result.content.read() == data  # the original bytes, unchanged

    assert isinstance(result, ValidatedUpload)
    assert (result.original_name, result.kind, result.content_type) == (name, kind, content_type)
    assert result.extension == name.rsplit(".", 1)[1]
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.scan == ScanResult("not_scanned", "No virus scanner is configured.")


def test_jpeg_is_turned_upright_and_loses_exif_gps_and_comments():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is really there

    result = validate_upload(upload("Butikken.JPEG", original))

    stored = result.content.read()
    image = Image.open(io.BytesIO(stored))
    assert (result.kind, result.content_type, result.extension) == ("jpg", "image/jpeg", "jpeg")
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # rotated as the phone showed it
    assert not image.getexif()
    assert "exif" not in image.info and "comment" not in image.info
    assert b"Vesterbro" not in stored and b"PhoneMaker" not in stored
    assert result.size == len(stored)
    assert result.sha256 == hashlib.sha256(stored).hexdigest()


def test_png_loses_text_chunks_and_anything_appended_but_keeps_transparency():
    original = png_bytes(text="Jens Hansen") + b"<?php system($_GET['c']); ?>"

    result = validate_upload(upload("logo.png", original))

    stored = result.content.read()
    image = Image.open(io.BytesIO(stored))
    assert (result.kind, image.format, image.mode, image.size) == ("png", "PNG", "RGBA", (30, 10))
    assert image.getpixel((0, 0)) == (0, 128, 255, 128)
    assert not getattr(image, "text", {})
    assert b"Jens" not in stored and b"php" not in stored


def test_name_without_a_known_extension_gets_the_real_one():
    result = validate_upload(upload("Budget 2024.03.15", pdf_bytes()))
    assert result.original_name == "Budget 2024.03.15.pdf"
    assert result.extension == "pdf"


def test_stored_as_a_document(case):
    result = validate_upload(upload("Logo.png", png_bytes()))
    document = Document.objects.create(case=case, kind=Document.Kind.OTHER, **result.document_fields())
    try:
        document.refresh_from_db()
        assert document.original_name == "Logo.png"
        assert document.scan_status == Document.ScanStatus.NOT_SCANNED
        with document.file.open("rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == document.sha256
        assert "Logo" not in document.file.name  # the storage name stays random
    finally:
        document.file.delete(save=False)


# --- type and name -------------------------------------------------------

@pytest.mark.parametrize(
    "name, data",
    [
        ("plan.pdf", "Dette er min forretningsplan.\n".encode() * 20),  # a text file, renamed
        ("plan.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(500)),  # a Windows program
        ("budget.pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(500)),  # a Linux program
        ("plan.docx", zip_bytes([("readme.txt", b"not a document")])),  # a plain zip
    ],
)
def test_disguised_files_are_refused(name, data):
    error = rejected(upload(name, data))
    assert error.code == "type_not_allowed"
    ext = name.rsplit(".", 1)[1]
    assert f"The file '{name}' is not a real" in error.message
    assert f"even though its name ends in .{ext}" in error.message


@pytest.mark.parametrize(
    "name, data",
    [
        ("setup.exe", b"MZ\x90\x00" + bytes(500)),
        ("plan.pages", zip_bytes([("index.xml", b"<x/>")])),
        ("billede.gif", b"GIF89a" + bytes(100)),
        ("note.txt", b"hello"),
        ("slides.pptx", zip_bytes([("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p/>")])),
        ("slides.odp", odf_bytes("application/vnd.oasis.opendocument.presentation")),
    ],
)
def test_types_we_do_not_accept(name, data):
    error = rejected(upload(name, data))
    assert error.code == "type_not_allowed"
    assert error.message.startswith(f"The file '{name}' is not a type we accept. We accept PDF, Word (.docx)")
    assert "JPG picture, PNG picture. Save it in one of these formats" in error.message


def test_old_office_formats_get_their_own_advice():
    error = rejected(upload("budget.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)))
    assert error.code == "type_not_allowed"
    assert "old Word or Excel format" in error.message and "save it as Word (.docx)" in error.message


@pytest.mark.parametrize(
    "name, data, actual, right",
    [
        ("budget.pdf", png_bytes(), "PNG picture", "png"),
        ("plan.docx", odf_bytes("application/vnd.oasis.opendocument.text"),
         "OpenDocument text (.odt)", "odt"),
        ("budget.xlsx", docx_bytes(), "Word (.docx)", "docx"),
        ("foto.png", jpeg_with_gps(), "JPG picture", "jpg"),
        ("plan.exe", pdf_bytes(), "PDF", "pdf"),
    ],
)
def test_a_name_that_disagrees_with_the_content_is_refused(name, data, actual, right):
    error = rejected(upload(name, data))
    assert error.code == "name_mismatch"
    ext = name.rsplit(".", 1)[1]
    assert f"The file '{name}' is really a {actual}, but its name ends in .{ext}." in error.message
    assert f"rename it so the name ends in .{right}" in error.message


def test_allowed_types_are_configurable(settings):
    settings.UPLOAD_ALLOWED_TYPES = ["pdf", "png"]
    assert validate_upload(upload("plan.pdf", pdf_bytes())).kind == "pdf"
    error = rejected(upload("budget.xlsx", xlsx_bytes()))
    assert error.code == "type_not_allowed"
    assert "We accept PDF, PNG picture." in error.message


def test_pdf_cut_off_in_the_middle_is_corrupt():
    data = pdf_bytes(comment=b"%" + b"x" * 4000 + b"\n")
    error = rejected(upload("plan.pdf", data[: len(data) // 2]))
    assert error.code == "corrupt"
    assert "seems to be damaged" in error.message


def test_broken_zip_is_corrupt():
    assert rejected(upload("plan.docx", b"PK\x03\x04" + bytes(300))).code == "corrupt"


def test_truncated_jpeg_is_corrupt():
    buf = io.BytesIO()
    Image.effect_noise((200, 200), 50).convert("RGB").save(buf, "JPEG")
    assert rejected(upload("foto.jpg", buf.getvalue()[:3000])).code == "corrupt"


# --- sizes ---------------------------------------------------------------

def test_empty_file_is_refused():
    error = rejected(upload("plan.pdf", b""))
    assert error.code == "empty"
    assert error.message.startswith("The file 'plan.pdf' is empty (0 bytes).")


def test_file_over_the_limit(settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1024
    error = rejected(upload("plan.pdf", pdf_bytes(comment=b"%" + b"x" * 2000 + b"\n")))
    assert error.code == "too_large"
    assert error.message.startswith("The file 'plan.pdf' is 2.3\xa0KB. The limit is 1.0\xa0KB per file.")


def test_default_limit_is_20_mb():
    error = rejected(upload("plan.pdf", pdf_bytes() + bytes(20 * MB)))
    assert error.code == "too_large"
    # Not "is 20.0 MB. The limit is 20.0 MB", which would puzzle anyone.
    assert error.message.startswith("The file 'plan.pdf' is larger than 20.0\xa0MB, which is the limit")


def test_application_quota(settings):
    settings.UPLOAD_MAX_APPLICATION_BYTES = 100 * MB
    data = pdf_bytes(comment=b"%" + b"x" * 2000 + b"\n")
    assert validate_upload(upload("plan.pdf", data), already_used_bytes=100 * MB - len(data))
    error = rejected(upload("plan.pdf", data), already_used_bytes=100 * MB - 1024)
    assert error.code == "quota_exceeded"
    assert error.message.startswith(
        "The file 'plan.pdf' (2.3\xa0KB) does not fit: the files in one application may take up "
        "100.0\xa0MB in all, and 1.0\xa0KB is left."
    )


def test_messages_are_translated():
    with translation.override("da"):
        error = rejected(upload("plan.pdf", b""))
    assert error.code == "empty"
    assert "plan.pdf" in error.message  # Danish once the catalogue has it; the name either way


# --- office archives -----------------------------------------------------

def test_docx_zip_bomb_with_default_limits():
    """300 MB of zeros compress to about 300 kB: tiny to upload, huge to open."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        with zf.open("word/document.xml", "w") as entry:
            zeros = bytes(MB)
            for _ in range(300):
                entry.write(zeros)
    assert buf.tell() < 2 * MB
    error = rejected(upload("plan.docx", buf.getvalue()))
    assert error.code == "zip_bomb"
    assert "unpacks to far more data than a normal document" in error.message


def test_compression_ratio_alone(settings):
    settings.UPLOAD_ZIP_MAX_RATIO = 100
    assert rejected(upload("plan.docx", docx_bytes(("word/media/pad.xml", bytes(3 * MB))))).code == "zip_bomb"
    # Normal documents compress well too, but far less.
    settings.UPLOAD_ZIP_MAX_RATIO = 10_000
    assert validate_upload(upload("plan.docx", docx_bytes(("word/media/pad.xml", bytes(3 * MB)))))


def test_too_many_entries(settings):
    settings.UPLOAD_ZIP_MAX_ENTRIES = 10
    entries = [(f"word/part{i}.xml", b"<p/>") for i in range(10)]
    assert rejected(upload("plan.docx", docx_bytes(*entries))).code == "zip_bomb"


def test_uncompressed_total(settings):
    settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES = 1000
    assert rejected(upload("plan.docx", docx_bytes(("word/x.xml", b"<a/>" * 300)))).code == "zip_bomb"


def symlink(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o120777 << 16
    return info


@pytest.mark.parametrize(
    "entry",
    ["../evil.txt", "word/../../evil.txt", "/etc/cron.d/evil", "word\\..\\evil.txt", "C:/evil.txt",
     "c:evil.txt", "word/document.xml", "word/a\nb.xml", symlink("word/link")],
    ids=["dotdot", "nested-dotdot", "absolute", "backslash", "drive", "drive-relative", "duplicate",
         "control-char", "symlink"],
)
def test_unsafe_entry_names(entry):
    error = rejected(upload("plan.docx", docx_bytes((entry, b"x"))))
    assert error.code == "unsafe_archive"
    assert error.message.startswith(
        "The file 'plan.docx' contains parts that a normal document does not have"
    )


def test_harmless_dots_in_entry_names_are_fine():
    assert validate_upload(upload("plan.docx", docx_bytes(("word/..notes..xml", b"<a/>"))))


def test_encrypted_entries():
    data = bytearray(docx_bytes())
    central = data.index(b"PK\x01\x02")  # the first central directory record
    data[central + 8] |= 0x1  # general purpose flag: encrypted
    error = rejected(upload("plan.docx", bytes(data)))
    assert error.code == "encrypted"
    assert "protected with a password" in error.message


# --- images --------------------------------------------------------------

def test_png_claiming_50000_by_50000_pixels():
    error = rejected(upload("kort.png", png_claiming(50_000, 50_000)))
    assert error.code == "image_too_large"
    assert "limit is 40 million pixels" in error.message


def test_image_over_our_pixel_limit_names_its_size():
    error = rejected(upload("kort.png", png_claiming(8000, 6000)))  # 48 million: under Pillow's own limit
    assert error.code == "image_too_large"
    assert "is 8000 × 6000 pixels; the limit is 40 million pixels" in error.message


def test_pixel_limit_is_configurable(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 200
    assert rejected(upload("logo.png", png_bytes((30, 10)))).code == "image_too_large"


# --- virus scan ----------------------------------------------------------

class NeverSureScanner:
    enabled = True

    def scan(self, fileobj):
        return ScanResult("not_scanned", "engine still starting")


def test_infected_file_is_refused_with_the_virus_name(fake_clamd):
    fake_clamd()
    error = rejected(upload("plan.pdf", pdf_bytes(comment=b"%" + EICAR + b"\n")))
    assert error.code == "infected"
    assert error.message.startswith(
        "The file 'plan.pdf' contains a virus (Eicar-Test-Signature) and cannot be accepted."
    )
    assert error.scan == ScanResult("infected", "Eicar-Test-Signature")


def test_clean_file_carries_the_scan_result(fake_clamd):
    server = fake_clamd()
    data = pdf_bytes()
    result = validate_upload(upload("plan.pdf", data))
    assert result.scan.status == "clean"
    assert result.document_fields()["scan_status"] == "clean"
    assert server.streams == [data]


def test_scanner_time_out_refuses_the_file(fake_clamd):
    fake_clamd("silent", timeout=0.3)
    error = rejected(upload("plan.pdf", pdf_bytes()))
    assert error.code == "scan_failed"
    assert error.message == (
        "We could not check the file 'plan.pdf' for viruses right now. Try again in a few minutes."
    )
    assert error.scan.status == "error"


def test_unreachable_scanner_refuses_the_file(settings):
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", closed_port()
    assert rejected(upload("plan.pdf", pdf_bytes())).code == "scan_failed"


def test_configured_scanner_must_say_clean(settings):
    settings.UPLOAD_SCANNER = f"{__name__}.NeverSureScanner"
    assert rejected(upload("plan.pdf", pdf_bytes())).code == "scan_failed"


def test_images_are_scanned_before_they_are_decoded(fake_clamd):
    fake_clamd()
    error = rejected(upload("foto.png", png_bytes() + EICAR))
    assert error.code == "infected"


# --- safe_filename -------------------------------------------------------

@pytest.mark.parametrize(
    "raw, safe",
    [
        ("C:\\Users\\jens\\Skrivebord\\plan.pdf", "plan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("Ansøgning – Æble & Å.pdf", "Ansøgning – Æble & Å.pdf"),
        ("A\u030angstrøm.pdf", "Ångstrøm.pdf"),  # decomposed å, as macOS sends it
        ("pl\x00an\r\n.pdf", "plan.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override
        ('a<b>c:"d"|e?*.pdf', "a_b_c__d__e__.pdf"),
        ("  .hidden.pdf. ", "hidden.pdf"),
        ("Budget\u00a02024.xlsx", "Budget 2024.xlsx"),
        ("CON.pdf", "_CON.pdf"),
        ("", "document"),
        ("...", "document"),
        ("x" * 300 + ".docx", "x" * 95 + ".docx"),
    ],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


@given(st.text(max_size=400))
def test_safe_filename_never_returns_anything_dangerous(raw):
    name = safe_filename(raw)
    assert 1 <= len(name) <= 100
    assert not set(name) & set('/\\<>:"|?*')
    assert all(c.isprintable() for c in name)
    assert name == name.strip(" .") and name not in {".", ".."}


@pytest.mark.parametrize(
    "name, data",
    [
        ("plan.docx", docx_bytes(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro"))),  # a .docm, renamed
        ("budget.xlsx", zip_bytes([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<w/>"),
                                   ("xl/vbaProject.bin", b"macro")])),
        ("plan.docx", docx_bytes(("word/activeX/activeX1.xml", b"<ax/>"))),
        ("plan.odt", zip_bytes([("content.xml", b"<c/>"), ("Basic/Standard/Module1.xml", b"<m/>")],
                               first=("mimetype", b"application/vnd.oasis.opendocument.text"))),
    ],
)
def test_documents_with_macros_are_refused(name, data):
    error = rejected(upload(name, data))
    assert error.code == "macros"
    assert error.message.startswith(f"The file '{name}' contains macros (small programs)")


def test_animated_png_is_a_png():
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    result = validate_upload(upload("anim.png", buf.getvalue()))
    assert result.kind == "png"
    assert Image.open(result.content).size == (8, 8)


def test_cmyk_jpeg_is_stored_as_rgb():
    buf = io.BytesIO()
    Image.new("CMYK", (10, 10), (0, 255, 255, 0)).save(buf, "JPEG")
    image = Image.open(validate_upload(upload("scan.jpg", buf.getvalue())).content)
    assert (image.format, image.mode) == ("JPEG", "RGB")


def test_documents_from_real_office_packages_have_no_false_alarms():
    # openpyxl writes what Excel writes: many parts, good compression.
    workbook = openpyxl.Workbook()
    for row in range(2000):
        workbook.active.append([f"Post {row}", row * 100, "=B{0}*1.25".format(row + 1)])
    buf = io.BytesIO()
    workbook.save(buf)
    assert validate_upload(upload("Budget 2026.xlsx", buf.getvalue())).kind == "xlsx"


def test_unknown_allowed_type_is_a_configuration_error(settings):
    settings.UPLOAD_ALLOWED_TYPES = ["pdf", "dcox"]
    with pytest.raises(ImproperlyConfigured, match="dcox"):
        validate_upload(upload("plan.pdf", pdf_bytes()))


def test_a_form_shows_the_message_on_the_field():
    class ApplicationForm(forms.Form):
        business_plan = forms.FileField()

        def clean_business_plan(self):
            return validate_upload(self.cleaned_data["business_plan"])

    form = ApplicationForm(files={"business_plan": upload("plan.pages", b"hello")})
    assert not form.is_valid()
    assert form.errors["business_plan"][0].startswith("The file 'plan.pages' is not a type we accept.")
    assert form.errors.as_data()["business_plan"][0].code == "type_not_allowed"

    form = ApplicationForm(files={"business_plan": upload("plan.pdf", pdf_bytes())})
    assert form.is_valid()
    assert form.cleaned_data["business_plan"].kind == "pdf"
