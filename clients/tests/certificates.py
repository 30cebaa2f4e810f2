"""Real certificates for the TLS tests, made with the `openssl` command line (as TestCertificates.swift does).

A throw-away CA, a server certificate for 127.0.0.1 and localhost signed by it, client certificates with
CN=worker-1 and CN=worker-2 signed by it, and, to be refused, a second CA. EC P-256 keys, valid for two days.
"""
import subprocess
from pathlib import Path

_CA_CONFIG = """[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""
_SERVER_EXTENSIONS = "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
_CLIENT_EXTENSIONS = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"

CLIENT_COMMON_NAME = "worker-1"


class Certificates:
    """The paths of the PEM files in `directory`; `issue_server` makes more server certificates."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "ca.cnf").write_text(_CA_CONFIG)
        (self.directory / "server.ext").write_text(_SERVER_EXTENSIONS)
        (self.directory / "client.ext").write_text(_CLIENT_EXTENSIONS)
        self._make_ca("ca", "/O=TaskManager tests/CN=Test CA")
        self._make_ca("other-ca", "/O=Somebody else/CN=Other CA")
        self.ca = self.path("ca.pem")
        self.other_ca = self.path("other-ca.pem")
        self.server_cert, self.server_key = self.issue_server("server")
        self.client_cert, self.client_key = self.issue("client", f"/O=TaskManager tests/CN={CLIENT_COMMON_NAME}",
                                                       "ca", "client.ext")

    def path(self, name):
        return str(self.directory / name)

    def issue_server(self, name, ca="ca"):
        """A server certificate for 127.0.0.1 and localhost signed by `ca`: (certificate, key) paths."""
        return self.issue(name, "/CN=localhost", ca, "server.ext")

    def issue(self, name, subject, ca, extensions):
        _openssl("req", "-new", "-config", self.path("ca.cnf"), "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", self.path(f"{name}.key"),
                 "-out", self.path(f"{name}.csr"), "-subj", subject)
        _openssl("x509", "-req", "-in", self.path(f"{name}.csr"), "-CA", self.path(f"{ca}.pem"),
                 "-CAkey", self.path(f"{ca}.key"), "-CAcreateserial", "-days", "2",
                 "-extfile", self.path(extensions), "-out", self.path(f"{name}.pem"))
        return self.path(f"{name}.pem"), self.path(f"{name}.key")

    def _make_ca(self, name, subject):
        _openssl("req", "-x509", "-new", "-config", self.path("ca.cnf"), "-extensions", "ca", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", self.path(f"{name}.key"),
                 "-out", self.path(f"{name}.pem"), "-days", "2", "-subj", subject)


def _openssl(*arguments):
    result = subprocess.run(["/usr/bin/openssl", *arguments], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
