"""TLS to the server: which CA to trust, an optional client certificate (mutual TLS), the name to verify.

The same options as the Swift client and `taskmanager work`: --tls, --tls-ca, --tls-cert, --tls-key,
--tls-server-name, and their variables TASKMANAGER_TLS=1, TASKMANAGER_TLS_CA, TASKMANAGER_CLIENT_CERT,
TASKMANAGER_CLIENT_KEY, TASKMANAGER_TLS_SERVER_NAME.
"""
import os
import ssl

from .errors import INVALID_ARGUMENT, UNAVAILABLE, TaskManagerError


class TLSOptions:
    """How a Client talks TLS; the server's certificate and name are always verified.

    Args:
        ca: PEM file of the CA certificates to trust; None = the system's trust store.
        cert: PEM file of the client certificate (and intermediates), for a server with mutual TLS.
        key: PEM file of the client certificate's private key; `cert` and `key` go together.
        server_name: the name the server's certificate must be valid for (and the SNI sent); None = the host
            connected to (an IP address is checked against the certificate's IP address entries); never empty.

    Raises TaskManagerError(INVALID_ARGUMENT) naming a file that cannot be used.
    """

    def __init__(self, ca=None, cert=None, key=None, server_name=None):
        if (cert is None) != (key is None):
            raise TaskManagerError(INVALID_ARGUMENT, "A TLS client certificate needs its key, and a key its certificate")
        if server_name == "":
            # An empty name would check no name at all.
            raise TaskManagerError(INVALID_ARGUMENT, "The TLS server name must not be empty")
        self.ca = ca
        self.cert = cert
        self.key = key
        self.server_name = server_name
        self.context = self._make_context()

    def __repr__(self):
        return f"TLSOptions(ca={self.ca!r}, cert={self.cert!r}, server_name={self.server_name!r})"

    def _make_context(self):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.ca is not None:
            _reading(self.ca, "CA", lambda: context.load_verify_locations(cafile=self.ca))
        if self.cert is not None:
            _reading(self.cert, "certificate and key",
                     lambda: context.load_cert_chain(certfile=self.cert, keyfile=self.key))
        return context

    def wrap(self, sock, host, port):
        """The TLS socket over a connected `sock`, after a verified handshake.

        Raises TaskManagerError(UNAVAILABLE) naming the cause when the handshake fails.
        """
        name = self.server_name or host
        try:
            return self.context.wrap_socket(sock, server_hostname=name)
        except ssl.SSLCertVerificationError as error:
            raise TaskManagerError(
                UNAVAILABLE, f"TLS handshake with {host}:{port} failed: certificate verify failed "
                             f"(verifying {name!r}): {error.verify_message or error}") from None
        except (ssl.SSLError, OSError) as error:
            raise TaskManagerError(UNAVAILABLE, f"TLS handshake with {host}:{port} failed (verifying {name!r}): "
                                                f"{error}") from None


def _reading(path, role, load):
    try:
        load()
    except (OSError, ssl.SSLError, ValueError) as error:
        raise TaskManagerError(INVALID_ARGUMENT, f"Cannot use TLS {role} file {path}: {error}") from None


def add_tls_arguments(parser):
    """Adds --tls, --tls-ca, --tls-cert, --tls-key and --tls-server-name to an argparse parser."""
    group = parser.add_argument_group("TLS")
    group.add_argument("--tls", action="store_true",
                       help="connect with TLS, trusting the system's CAs unless --tls-ca (env TASKMANAGER_TLS=1)")
    group.add_argument("--tls-ca", metavar="FILE", default=_environment("TASKMANAGER_TLS_CA"),
                       help="PEM file of the CA to trust for the server's certificate; implies --tls "
                            "(env TASKMANAGER_TLS_CA)")
    group.add_argument("--tls-cert", metavar="FILE", default=_environment("TASKMANAGER_CLIENT_CERT"),
                       help="PEM client certificate, for a server with mutual TLS; implies --tls "
                            "(env TASKMANAGER_CLIENT_CERT)")
    group.add_argument("--tls-key", metavar="FILE", default=_environment("TASKMANAGER_CLIENT_KEY"),
                       help="PEM key of --tls-cert (env TASKMANAGER_CLIENT_KEY)")
    group.add_argument("--tls-server-name", metavar="NAME", default=_environment("TASKMANAGER_TLS_SERVER_NAME"),
                       help="name the server's certificate must have, instead of the host of --server; implies "
                            "--tls (env TASKMANAGER_TLS_SERVER_NAME)")


def tls_from_arguments(parser, options):
    """The TLSOptions that parsed arguments ask for, or None for plaintext; a bad file is a usage error."""
    if (options.tls_cert is None) != (options.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    implied = any(value is not None for value in (options.tls_ca, options.tls_cert, options.tls_server_name))
    if not (options.tls or implied or _environment_flag(parser, "TASKMANAGER_TLS")):
        return None
    try:
        return TLSOptions(options.tls_ca, options.tls_cert, options.tls_key, options.tls_server_name)
    except TaskManagerError as error:
        parser.error(error.message)


def _environment(name):
    return os.environ.get(name) or None


def _environment_flag(parser, name):
    """A variable read as taskmanager reads its flags: 1/true/yes/on or 0/false/no/off."""
    text = (_environment(name) or "0").strip().lower()
    if text not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        parser.error(f"Invalid value {text!r} in environment variable {name}: expected 1/true or 0/false")
    return text in ("1", "true", "yes", "on")
