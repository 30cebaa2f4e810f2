"""The TaskManager client: the 13 RPCs of taskmanager.v1.TaskService over one pipelined TCP (or TLS) connection."""
import itertools
import json
import threading
import time

from .connection import Connection
from .errors import INTERNAL, UNAVAILABLE, TaskManagerError
from .protos import rpc_pb2, task_service_pb2 as ts

DEFAULT_SERVER = "127.0.0.1:7411"
_METHOD_PREFIX = "/taskmanager.v1.TaskService/"
_MAX_TIMEOUT_MS = 2**32 - 1  # Request.timeout_ms is a uint32
# How much longer than its deadline a call waits locally, for the server's own DEADLINE_EXCEEDED to arrive.
_LOCAL_GRACE_SECONDS = 2.0


def parse_server(server):
    """Splits "HOST:PORT" (or "[IPv6]:PORT", or "HOST" for port 7411) into (host, port)."""
    host, colon, port = server.rpartition(":")
    if not colon or "]" in port:
        host, port = server, "7411"
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid server address {server!r}: expected HOST:PORT")
    return host, int(port)


def _json_text(value, when_none):
    if value is None:
        return when_none
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


class Client:
    """A thread-safe TaskManager client.

    Every method sends one call and returns the generated protobuf response message. Any number of threads
    may call at once: the calls are pipelined over one TCP connection, which is opened on first use and
    reopened after it fails or the server sends GoAway.

    Raises TaskManagerError for every failure: the server's status code and message, UNAVAILABLE (14) when
    the server cannot be reached or the connection breaks, DEADLINE_EXCEEDED (4) when no answer arrives
    within `timeout` plus 2 seconds.

    Args:
        server: "HOST:PORT" of `taskmanager serve`.
        api_key: sent as metadata `x-api-key` with every call when not None.
        timeout: seconds; the deadline of every call (`timeout_ms`) and the connect timeout (TLS handshake
            included). None = no limit.
        tls: a TLSOptions to connect with TLS (every connection, reconnects too, verifies the server's
            certificate and name); None = plaintext.
    """

    def __init__(self, server=DEFAULT_SERVER, api_key=None, timeout=10.0, tls=None):
        self.server = server
        self.api_key = api_key
        self.timeout = timeout
        self.tls = tls
        self._host, self._port = parse_server(server)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._connection = None
        self._retired = []  # connections that went away but may still owe responses
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return f"Client({self.server!r})"

    def close(self):
        """Closes the connection; calls still waiting get UNAVAILABLE and later calls fail the same way."""
        with self._lock:
            self._closed = True
            connections = self._retired + ([self._connection] if self._connection else [])
            self._connection, self._retired = None, []
        for connection in connections:
            connection.close()

    # Task types

    def health(self):
        """Health → HealthResponse{status "healthy", database "connected", version, time_ms}. Needs no API key."""
        return self._call("Health", ts.HealthRequest(), ts.HealthResponse)

    def register_task_type(self, name, version, param_schema):
        """Creates or updates a task type → RegisterTaskTypeResponse{task_type, created}.

        `param_schema` is a JSON Schema as a dict (sent as JSON) or as JSON text.
        """
        request = ts.RegisterTaskTypeRequest(name=name, version=version,
                                             param_schema_json=_json_text(param_schema, ""))
        return self._call("RegisterTaskType", request, ts.RegisterTaskTypeResponse)

    def get_task_type(self, name):
        """The TaskType called `name`; NOT_FOUND "Task type not found" otherwise."""
        return self._call("GetTaskType", ts.GetTaskTypeRequest(name=name), ts.TaskType)

    def list_task_types(self, active_only=False):
        """All task types (or only the active ones) as a list of TaskType, most used first."""
        response = self._call("ListTaskTypes", ts.ListTaskTypesRequest(active_only=active_only),
                              ts.ListTaskTypesResponse)
        return list(response.task_types)

    def set_task_type_active(self, name, active):
        """Activates or deactivates a task type; returns the TaskType after the change."""
        return self._call("SetTaskTypeActive", ts.SetTaskTypeActiveRequest(name=name, active=active), ts.TaskType)

    # Tasks

    def create_task(self, type, params=None, priority=0, dedupe_key="", max_attempts=0):
        """Creates a task → CreateTaskResponse{task, deduplicated}.

        `params` is a dict (sent as JSON), JSON text, or None for `{}`. `dedupe_key` "" lets the server derive
        the key from type and params; `max_attempts` 0 takes the server's default.
        """
        request = ts.CreateTaskRequest(type=type, params_json=_json_text(params, "{}"), priority=priority,
                                       dedupe_key=dedupe_key, max_attempts=max_attempts)
        return self._call("CreateTask", request, ts.CreateTaskResponse)

    def claim_task(self, worker_id, task_type_id=0, type_pattern="", sort_by="", sort_order="", wait_ms=0):
        """Claims the next task of a type id and/or a LIKE pattern on the type name; None when none is claimable.

        `wait_ms` > 0 (at most 30000) makes the server wait that long for a task to appear (a long poll); the
        call's deadline is extended by as much.
        """
        request = ts.ClaimTaskRequest(worker_id=worker_id, task_type_id=task_type_id, type_pattern=type_pattern,
                                      sort_by=sort_by, sort_order=sort_order, wait_ms=wait_ms)
        response = self._call("ClaimTask", request, ts.ClaimTaskResponse, extra_seconds=wait_ms / 1000)
        return response.task if response.HasField("task") else None

    def claim_tasks(self, worker_id, max, task_type_id=0, type_pattern="", wait_ms=0):
        """Claims up to `max` tasks in one call (only the first waits `wait_ms`); a list, empty when none."""
        claim = ts.ClaimTaskRequest(worker_id=worker_id, task_type_id=task_type_id, type_pattern=type_pattern,
                                    wait_ms=wait_ms)
        response = self._call("ClaimTasks", ts.ClaimTasksRequest(claim=claim, max=max), ts.ClaimTasksResponse,
                              extra_seconds=wait_ms / 1000)
        return list(response.tasks)

    def update_progress(self, id, worker_id, progress, message="", attempt=0):
        """Reports progress 0..100 of a task this worker holds → UpdateProgressResponse{id, progress,
        lease_expires_at_ms, cancel_requested}.

        `attempt` is the claim's `attempts` (0 = not checked): when the worker's lease was lost the server
        answers FAILED_PRECONDITION "Lease lost" instead of recording the progress.
        """
        request = ts.UpdateProgressRequest(id=id, worker_id=worker_id, progress=progress, message=message or "",
                                           attempt=attempt)
        return self._call("UpdateProgress", request, ts.UpdateProgressResponse)

    def heartbeat(self, id, worker_id, attempt=0):
        """Renews the lease of a task this worker holds → HeartbeatResponse{id, lease_expires_at_ms,
        cancel_requested}; "Lease lost" as for update_progress."""
        return self._call("Heartbeat", ts.HeartbeatRequest(id=id, worker_id=worker_id, attempt=attempt),
                          ts.HeartbeatResponse)

    def complete_task(self, id, worker_id, result=None, attempt=0):
        """Completes a task this worker holds → CompleteTaskResponse{task}.

        `result` is any JSON value (dicts and lists are sent as JSON, strings as JSON text) or None for none.
        `attempt` as for update_progress.
        """
        request = ts.CompleteTaskRequest(id=id, worker_id=worker_id, result_json=_json_text(result, ""),
                                         attempt=attempt)
        return self._call("CompleteTask", request, ts.CompleteTaskResponse)

    def fail_task(self, id, worker_id, error, attempt=0):
        """Fails the current attempt of a task this worker holds → FailTaskResponse{task, retried}; a task
        whose cancel was requested ends cancelled. `attempt` as for update_progress."""
        request = ts.FailTaskRequest(id=id, worker_id=worker_id, error=error, attempt=attempt)
        return self._call("FailTask", request, ts.FailTaskResponse)

    def cancel_task(self, id, reason=""):
        """Cancels a task: at once when pending; when claimed, its worker is told (cancel_requested) → Task."""
        return self._call("CancelTask", ts.CancelTaskRequest(id=id, reason=reason), ts.CancelTaskResponse).task

    def get_task(self, id):
        """The Task with this id; NOT_FOUND "Task not found" otherwise."""
        return self._call("GetTask", ts.GetTaskRequest(id=id), ts.Task)

    def list_tasks(self, status=0, type="", claimed_by="", limit=0, offset=0):
        """A page of tasks, newest first → ListTasksResponse{tasks, count, total, limit, offset}.

        `status` is a TaskStatus number (0 = any); `type` an exact name or a LIKE pattern with `%`.
        """
        request = ts.ListTasksRequest(status=status, type=type, claimed_by=claimed_by, limit=limit, offset=offset)
        return self._call("ListTasks", request, ts.ListTasksResponse)

    def get_task_history(self, task_id):
        """The HistoryEntry list of a task, oldest first."""
        response = self._call("GetTaskHistory", ts.GetTaskHistoryRequest(task_id=task_id),
                              ts.GetTaskHistoryResponse)
        return list(response.entries)

    # Connection

    def ping(self):
        """Sends a Ping and waits for its Pong; returns the round trip in seconds."""
        started = time.monotonic()
        self._open().ping(next(self._ids), self._local_wait())
        return time.monotonic() - started

    def _call(self, rpc, request, response_type, extra_seconds=0):
        call_id = next(self._ids)
        frame = rpc_pb2.ClientFrame()
        frame.request.call_id = call_id
        frame.request.method = _METHOD_PREFIX + rpc
        frame.request.payload = request.SerializeToString()
        if self.timeout:
            frame.request.timeout_ms = min(int((self.timeout + extra_seconds) * 1000), _MAX_TIMEOUT_MS)
        if self.api_key is not None:
            frame.request.metadata["x-api-key"] = self.api_key
        wait = self._local_wait()
        response = self._open().call(frame, call_id, None if wait is None else wait + extra_seconds)
        if response.status.code != 0:
            raise TaskManagerError(response.status.code, response.status.message)
        message = response_type()
        try:
            message.ParseFromString(response.payload)
        except Exception as error:  # DecodeError: the server and this client disagree on the proto
            raise TaskManagerError(INTERNAL, f"Invalid {rpc} response payload: {error}") from None
        return message

    def _local_wait(self):
        return self.timeout + _LOCAL_GRACE_SECONDS if self.timeout else None

    def _open(self):
        with self._lock:
            if self._closed:
                raise TaskManagerError(UNAVAILABLE, "Client is closed")
            if self._connection is not None and not self._connection.usable:
                self._retired = [c for c in self._retired if not c.closed] + [self._connection]
                self._connection = None
            if self._connection is None:
                self._connection = Connection(self._host, self._port, self.timeout, self.tls)
            return self._connection
