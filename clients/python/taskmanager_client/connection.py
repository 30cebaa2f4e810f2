"""One TCP (or TLS) connection to the server: a send lock, and a reader thread that routes responses by call id."""
import logging
import queue
import socket
import threading

from .errors import DEADLINE_EXCEEDED, UNAVAILABLE, TaskManagerError
from .framing import FrameError, encode_frame, read_server_frame
from .protos import rpc_pb2

log = logging.getLogger(__name__)
# How long a failed write over TLS waits for the reader thread to read the server's alert.
_ALERT_WAIT_SECONDS = 1.0


class Connection:
    """A connected socket shared by any number of threads, each waiting for its own call's Response.

    Once the connection fails, every call waiting on it gets UNAVAILABLE and it accepts no new call;
    after a GoAway it accepts no new call and closes itself when the last expected response has arrived.
    """

    def __init__(self, host, port, connect_timeout, tls=None):
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as error:
            raise TaskManagerError(UNAVAILABLE, f"Cannot connect to {host}:{port}: {error}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            try:
                sock = tls.wrap(sock, host, port)  # the handshake, within the connect timeout
            except TaskManagerError:
                sock.close()
                raise
        self._sock = sock
        self._sock.settimeout(None)
        self._tls = tls is not None
        self._stream = self._sock.makefile("rb")
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()  # guards everything below
        self._waiting = {}  # call id -> Queue for its Response
        self._pings = {}  # nonce -> Queue for its Pong
        self._failure = None  # (code, message) once the connection is unusable
        self._going_away = False
        self._reader = threading.Thread(target=self._read_loop, name=f"taskmanager-reader-{host}:{port}",
                                         daemon=True)
        self._reader.start()

    @property
    def usable(self):
        """True while new calls may be sent."""
        with self._lock:
            return self._failure is None and not self._going_away

    @property
    def closed(self):
        """True once the socket is closed (after a failure, close(), or a drained GoAway)."""
        with self._lock:
            return self._failure is not None

    def call(self, request_frame, call_id, wait):
        """Sends a ClientFrame holding a Request and returns the matching Response.

        `wait` is the local limit in seconds (None = no limit): after it the call is cancelled and
        TaskManagerError(DEADLINE_EXCEEDED) is raised. Raises TaskManagerError(UNAVAILABLE) when the
        connection fails before the response arrives.
        """
        return self._exchange(self._waiting, call_id, request_frame, wait, cancel_on_timeout=True)

    def ping(self, nonce, wait):
        """Sends Ping{nonce} and waits for the matching Pong."""
        frame = rpc_pb2.ClientFrame()
        frame.ping.nonce = nonce
        return self._exchange(self._pings, nonce, frame, wait, cancel_on_timeout=False)

    def close(self):
        """Closes the socket; calls still waiting get UNAVAILABLE."""
        self._fail("Connection closed by the client")

    def _exchange(self, table, key, frame, wait, cancel_on_timeout):
        slot = queue.Queue(maxsize=1)
        with self._lock:
            if self._failure is not None:
                raise TaskManagerError(*self._failure)
            if self._going_away:
                raise TaskManagerError(UNAVAILABLE, "Connection is going away")
            table[key] = slot
        self._send(frame)
        try:
            outcome = slot.get(timeout=wait)
        except queue.Empty:
            with self._lock:
                table.pop(key, None)
            if cancel_on_timeout:
                self._cancel(key)
            raise TaskManagerError(DEADLINE_EXCEEDED, "Deadline exceeded (no response from the server)") from None
        if isinstance(outcome, tuple):
            # A new exception per caller: one instance raised in several threads would share its traceback.
            raise TaskManagerError(*outcome)
        return outcome

    def _send(self, frame):
        data = encode_frame(frame)
        try:
            with self._send_lock:
                self._sock.sendall(data)
        except OSError as error:
            if self._tls and threading.current_thread() is not self._reader:
                # The server's TLS alert that says why (say, a client certificate it refused) reaches the reader
                # thread, whose reason should win over this write's bare EOF.
                self._reader.join(_ALERT_WAIT_SECONDS)
            # A partial frame may have been written, so the stream is unusable from here on.
            self._fail(f"Connection lost while sending: {error}")
            with self._lock:
                failure = self._failure
            raise TaskManagerError(*failure) from None

    def _cancel(self, call_id):
        frame = rpc_pb2.ClientFrame()
        frame.cancel.call_id = call_id
        try:
            self._send(frame)
        except TaskManagerError:
            pass  # the call is abandoned either way

    def _read_loop(self):
        reason = "Connection closed by the server"
        try:
            while True:
                frame = read_server_frame(self._stream)
                if frame is None:
                    break
                self._dispatch(frame)
        except (OSError, ValueError, FrameError) as error:  # ValueError: the stream was closed under us
            reason = f"Connection lost: {error}"
            if isinstance(error, FrameError) and error.looks_like_tls and not self._tls:
                reason += " (the server speaks TLS: connect with TLS, e.g. --tls or --tls-ca FILE)"
        self._fail(reason)
        self._stream.close()  # the socket's descriptor is released only once this reader closes too

    def _dispatch(self, frame):
        kind = frame.WhichOneof("kind")
        if kind == "response":
            response = frame.response
            if not response.end_of_stream:
                return  # protocol v1 has no streaming calls; ignored for forward compatibility
            if response.call_id == 0:
                log.warning("server rejected a frame: %s (code %d)", response.status.message,
                            response.status.code)
                return
            self._deliver(self._waiting, response.call_id, response)
        elif kind == "pong":
            self._deliver(self._pings, frame.pong.nonce, frame.pong)
        elif kind == "go_away":
            log.info("server is going away: %s", frame.go_away.reason)
            with self._lock:
                self._going_away = True
            self._close_if_drained()

    def _deliver(self, table, key, value):
        with self._lock:
            slot = table.pop(key, None)
        if slot is not None:  # None: a late answer to a call that gave up waiting
            slot.put(value)
        self._close_if_drained()

    def _close_if_drained(self):
        with self._lock:
            drained = self._going_away and not self._waiting and not self._pings
        if drained:
            self._fail("Connection closed after the server went away")

    def _fail(self, reason):
        with self._lock:
            if self._failure is None:
                self._failure = (UNAVAILABLE, reason)
            failure = self._failure
            slots = list(self._waiting.values()) + list(self._pings.values())
            self._waiting.clear()
            self._pings.clear()
        for slot in slots:
            slot.put(failure)
        try:
            # The plain socket's shutdown, also under TLS: SSLSocket's own would drop its SSL object under the
            # reader thread, which is blocked in recv and must wake up with an error.
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
        except OSError:
            pass  # already disconnected
        self._sock.close()
