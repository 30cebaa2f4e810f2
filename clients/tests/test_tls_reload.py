"""`taskmanager serve` rereads its TLS certificate, key and client CA on SIGHUP: new connections use the new files,
open connections keep running, and a file that cannot be used is logged while the old ones stay."""
import shutil
import signal
import time

import pytest

from certificates import CLIENT_COMMON_NAME
from conftest import start_server
from taskmanager_client import Client, TaskManagerError, TLSOptions


def copy(source, target):
    """Replaces `target` the way certificate renewal tools do: a new file renamed over the old one."""
    temporary = f"{target}.new"
    shutil.copyfile(source, temporary)
    shutil.move(temporary, target)


def reload_and_wait(server, line, count):
    """Sends SIGHUP and waits for the `count`-th log line containing `line`."""
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while server.log.read_text().count(line) < count:
        assert time.monotonic() < deadline, f"no {line!r} in the server log:\n{server.log.read_text()}"
        time.sleep(0.05)


def health_over(server, tls):
    with Client(server.address, tls=tls, timeout=5) as client:
        return client.health().status


def test_sighup_serves_a_renewed_certificate_to_new_connections_and_keeps_open_ones(tmp_path, certificates):
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    copy(certificates.server_cert, cert)
    copy(certificates.server_key, key)
    old_trust, new_trust = TLSOptions(ca=certificates.ca), TLSOptions(ca=certificates.other_ca)
    renewed_cert, renewed_key = certificates.issue_server("renewed", ca="other-ca")
    server = start_server(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key), client_tls=old_trust)
    try:
        assert server.client.health().status == "healthy"
        open_connection = server.client._connection

        copy(renewed_cert, cert)
        copy(renewed_key, key)
        reload_and_wait(server, "TLS certificate reloaded", 1)

        assert health_over(server, new_trust) == "healthy"
        with pytest.raises(TaskManagerError) as refused:
            health_over(server, old_trust)
        assert "certificate verify failed" in refused.value.message
        # The connection opened before the reload is still the one in use, and still served.
        assert server.client.health().status == "healthy"
        assert server.client._connection is open_connection

        cert.write_text("not a certificate\n")
        reload_and_wait(server, "TLS files not reloaded", 1)

        assert f"Cannot use TLS certificate file {cert}" in server.log.read_text()
        assert health_over(server, new_trust) == "healthy"
        assert server.process.poll() is None
    finally:
        server.stop()


def test_sighup_rereads_the_client_ca(tmp_path, certificates):
    client_ca = tmp_path / "client-ca.pem"
    copy(certificates.ca, client_ca)
    other_cert, other_key = certificates.issue("other-client", f"/CN={CLIENT_COMMON_NAME}", "other-ca", "client.ext")
    first_client = TLSOptions(ca=certificates.ca, cert=certificates.client_cert, key=certificates.client_key)
    other_client = TLSOptions(ca=certificates.ca, cert=other_cert, key=other_key)
    server = start_server(tmp_path, "--tls-cert", certificates.server_cert, "--tls-key", certificates.server_key,
                          "--tls-client-ca", str(client_ca), client_tls=first_client)
    try:
        assert health_over(server, first_client) == "healthy"
        with pytest.raises(TaskManagerError):
            health_over(server, other_client)
        assert server.client.health().status == "healthy"

        copy(certificates.other_ca, client_ca)
        reload_and_wait(server, "TLS certificate reloaded", 1)

        assert health_over(server, other_client) == "healthy"
        with pytest.raises(TaskManagerError):
            health_over(server, first_client)
        assert server.client.health().status == "healthy"  # opened before the reload
    finally:
        server.stop()
