"""HTTPS previews: the connection goes to the checked address, while TLS names the
host (SNI) and verifies its certificate against it."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tidings.core.links import IPAddress
from tidings.unfurl import FetchPolicy, unfurl

HOST = "docs.example.test"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, list[str]]]:
    """A TLS listener on 127.0.0.1 with a self-signed certificate for HOST; it records
    the server name each client asked for."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}"]
        + ["-addext", f"subjectAltName=DNS:{HOST}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name or "")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def accept_one() -> None:
        try:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1024)
        except (OSError, ssl.SSLError):
            pass  # the client refused the certificate, as it should

    thread = threading.Thread(target=accept_one, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], names
    finally:
        listener.close()
        thread.join(10)


def test_an_untrusted_certificate_gives_no_preview_and_sni_names_the_host(
    tls_server: tuple[int, list[str]],
) -> None:
    port, names = tls_server

    def to_loopback(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    policy = FetchPolicy(allow_loopback=True, timeout_seconds=5.0)
    assert unfurl(f"https://{HOST}:{port}/", policy, to_loopback) is None
    assert names == [HOST]
