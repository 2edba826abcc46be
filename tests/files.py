"""Real files for upload tests, built in memory: small but valid, so the
checks see what a citizen's device would send."""

import io
import struct
import warnings
import zipfile
import zlib

import openpyxl
from PIL import Image
from PIL.PngImagePlugin import PngInfo


def pdf_bytes(comment=b""):
    """A small, valid one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + comment)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zip_bytes(entries, first=None):
    """entries: (name or ZipInfo, bytes); ``first`` is written stored, first."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            if first:
                zf.writestr(zipfile.ZipInfo(first[0]), first[1])  # ZipInfo: stored
            for name, data in entries:
                zf.writestr(name, data)
    return buf.getvalue()


def docx_bytes(*extra):
    return zip_bytes([
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                b'package/2006/content-types"/>'),
        ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
        ("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                              b'wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>'),
        *extra,
    ])


def odf_bytes(mimetype):
    return zip_bytes(
        [("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
         ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>')],
        first=("mimetype", mimetype.encode()),
    )


def xlsx_bytes():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Omsætning", 120000])
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def jpeg_with_gps():
    """40x20 red picture, EXIF says: rotate 90° and here is where I was."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (55.0, 40.0, 30.0), 3: "E", 4: (12.0, 34.0, 56.0)})
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buf, "JPEG", exif=exif, comment=b"Jens Hansen, Vesterbro")
    return buf.getvalue()


def png_bytes(size=(30, 10), text=None):
    info = PngInfo()
    if text:
        info.add_text("Author", text)
    buf = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 128)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def png_claiming(width, height):
    """A real small PNG whose IHDR (with a valid CRC) claims another size."""
    data = bytearray(png_bytes((1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


