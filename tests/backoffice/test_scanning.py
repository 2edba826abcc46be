"""The ClamAV client against a fake clamd speaking the real INSTREAM protocol
over real sockets; the scanner selection."""

import io
import os
import socket
import socketserver
import struct
import threading
import time

import pytest

from backoffice.scanning import ClamdScanner, NullScanner, ScanResult, get_scanner

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """A small clamd on 127.0.0.1 (ephemeral port) or a Unix socket.

    modes: "answer" (FOUND for EICAR, OK otherwise, ERROR past stream_max),
    "silent" (reads everything, never answers), "trickle" (answers one byte
    at a time, too slowly)."""

    def __init__(self, mode="answer", unix_path=None, stream_max=None):
        self.mode, self.stream_max = mode, stream_max
        self.streams, self.commands = [], []
        self.stop = threading.Event()
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                fake.handle(self.request)

        if unix_path:
            self.server = socketserver.ThreadingUnixStreamServer(unix_path, Handler)
        else:
            self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
            self.port = self.server.server_address[1]
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def handle(self, conn):
        command = _read_until(conn, b"\0")
        self.commands.append(command)
        if command == b"zPING":
            conn.sendall(b"PONG\0")
            return
        if command != b"zINSTREAM":
            conn.sendall(b"UNKNOWN COMMAND\0")
            return
        data = bytearray()
        while True:
            (length,) = struct.unpack(">I", _read_exactly(conn, 4))
            if length == 0:
                break
            data += _read_exactly(conn, length)
            if self.stream_max and len(data) > self.stream_max:
                conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                return
        self.streams.append(bytes(data))
        if self.mode == "silent":
            self.stop.wait(10)
        elif self.mode == "trickle":
            for byte in b"stream: OK\0":
                if self.stop.wait(0.2):
                    return
                conn.sendall(bytes([byte]))
        elif EICAR in data:
            conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            conn.sendall(b"stream: OK\0")


def _read_until(conn, end):
    data = b""
    while not data.endswith(end):
        part = conn.recv(1)
        if not part:
            break
        data += part
    return data.rstrip(end)


def _read_exactly(conn, n):
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            raise ConnectionError("client went away")
        data += part
    return data


@pytest.fixture
def fake_clamd(settings):
    """Start a fake clamd and point the CLAMD_* settings at it."""
    started = []

    def start(mode="answer", timeout=5, **kwargs):
        server = FakeClamd(mode, **kwargs)
        started.append(server)
        settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", server.port
        settings.UPLOAD_SCAN_TIMEOUT = timeout
        return server

    yield start
    for server in started:
        server.close()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_clean_file_is_streamed_in_chunks_and_reported_clean(fake_clamd):
    server = fake_clamd()
    data = os.urandom(200 * 1024)  # several 64 KiB INSTREAM chunks
    fileobj = io.BytesIO(data)
    fileobj.read(10)  # the scanner must start from the beginning

    result = get_scanner().scan(fileobj)

    assert result == ScanResult("clean", "ClamAV: stream: OK")
    assert result.is_clean
    assert server.streams == [data]
    assert server.commands == [b"zINSTREAM"]
    assert fileobj.tell() == 0  # rewound for whoever reads it next


def test_eicar_is_reported_infected_with_the_virus_name(fake_clamd):
    fake_clamd()
    result = get_scanner().scan(io.BytesIO(EICAR))
    assert result == ScanResult("infected", "Eicar-Test-Signature")
    assert not result.is_clean


def test_a_daemon_that_never_answers_times_out_as_error(fake_clamd):
    fake_clamd("silent", timeout=0.5)
    started = time.monotonic()
    result = get_scanner().scan(io.BytesIO(b"hello"))
    assert result.status == "error"
    assert "did not answer within 0.5 s" in result.detail
    assert time.monotonic() - started < 3


def test_the_time_out_covers_the_whole_exchange_not_each_read(fake_clamd):
    # One byte every 0.2 s never trips a per-read time-out of 0.5 s, but the
    # whole answer takes over 2 s.
    fake_clamd("trickle", timeout=0.5)
    started = time.monotonic()
    assert get_scanner().scan(io.BytesIO(b"hello")).status == "error"
    assert time.monotonic() - started < 1.5


def test_closed_port_is_an_error(settings):
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", closed_port()
    result = get_scanner().scan(io.BytesIO(b"hello"))
    assert result.status == "error"
    assert "connection failed" in result.detail


def test_clamd_error_reply_is_an_error(fake_clamd):
    fake_clamd(stream_max=1000)
    result = get_scanner().scan(io.BytesIO(b"x" * 300_000))
    assert result.status == "error"
    assert "size limit exceeded" in result.detail


def test_unix_socket(tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = FakeClamd(unix_path=path)
    try:
        scanner = ClamdScanner(socket_path=path, timeout=5)
        assert scanner.scan(io.BytesIO(EICAR)).status == "infected"
        assert scanner.scan(io.BytesIO(b"fine")).status == "clean"
        assert scanner.ping()
    finally:
        server.close()


def test_ping(fake_clamd, settings):
    fake_clamd()
    assert get_scanner().ping()
    settings.CLAMD_PORT = closed_port()
    assert not get_scanner().ping()


def test_no_scanner_configured_means_not_scanned(settings):
    settings.CLAMD_HOST = settings.CLAMD_SOCKET = settings.UPLOAD_SCANNER = ""
    scanner = get_scanner()
    assert isinstance(scanner, NullScanner)
    assert not scanner.enabled
    assert scanner.scan(io.BytesIO(b"x")).status == "not_scanned"


def test_clamd_settings_select_the_clamd_scanner(settings):
    settings.UPLOAD_SCANNER = ""
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.UPLOAD_SCAN_TIMEOUT = "clamav", 3311, 7
    scanner = get_scanner()
    assert isinstance(scanner, ClamdScanner)
    assert (scanner.host, scanner.port, scanner.timeout) == ("clamav", 3311, 7.0)


def test_upload_scanner_setting_names_any_class(settings):
    settings.CLAMD_HOST = "clamav"
    settings.UPLOAD_SCANNER = "backoffice.scanning.NullScanner"
    assert isinstance(get_scanner(), NullScanner)
