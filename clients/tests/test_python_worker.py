"""The Python client library (clients/python/taskmanager_client) and its worker, against a real server."""
import json
import socket
import struct
import threading
import time

import pytest

from conftest import ROOT, run_worker, start_server, summary
from examples_batch import register_examples
from taskmanager_client import Client, TaskManagerError, TaskManagerWorker
from taskmanager_client.handlers import EXAMPLE_TASK_TYPES, sleep, uppercase
from taskmanager.rpc.v1 import rpc_pb2
from taskmanager.v1 import task_service_pb2 as ts

COMPLETED, PENDING, CLAIMED, FAILED = 3, 1, 2, 4


# The worker and its example types

def test_example_task_types_mirror_task_types_json():
    expected = json.loads((ROOT / "clients" / "examples" / "task_types.json").read_text())
    assert EXAMPLE_TASK_TYPES == expected


def test_uppercase_changes_only_ascii_letters():
    task = ts.Task(id=1, params_json=json.dumps({"text": "straße é ǆ abc"}))
    assert uppercase(task, None) == {"result": "STRAßE é ǆ ABC"}


def test_sleep_reports_floor_percentages_of_each_step():
    class Recorder:
        def __init__(self):
            self.reports = []

        def update_progress(self, task_id, progress, message=None):
            self.reports.append((task_id, progress, message))

        def sleep(self, task_id, seconds):
            pass

    recorder = Recorder()
    task = ts.Task(id=7, params_json=json.dumps({"seconds": 0, "steps": 3}))
    assert sleep(task, recorder) == {"slept": 0, "steps": 3}
    assert recorder.reports == [(7, 33, "Step 1/3"), (7, 66, "Step 2/3"), (7, 100, "Step 3/3")]


def test_failed_progress_update_does_not_fail_the_task(server, capsys):
    server.client.register_task_type("test.progress", "1.0.0", {"type": "object"})
    task_id = server.client.create_task("test.progress", {}).task.id
    worker = TaskManagerWorker(server.address, "progress-worker", type_pattern="test.%", poll_interval=0.1,
                               stop_when_idle=True, register_examples=False)
    worker.register("test.progress", lambda task, w: {"report": w.update_progress(task.id, 150) is None})
    assert worker.run() == 0
    assert summary(capsys.readouterr().out) == (1, 0)
    task = server.client.get_task(task_id)
    assert task.status == COMPLETED
    assert json.loads(task.result_json) == {"report": True}
    changes = [e.status_change for e in server.client.get_task_history(task_id)]
    assert changes == ["created", "claimed", "completed"]


def test_failed_health_check_exits_1(server):
    result = run_worker("python", server, "--server", f"127.0.0.1:{closed_port()}")
    assert result.returncode == 1
    assert summary(result.stdout) == (0, 0)


def test_five_consecutive_errors_end_the_worker_with_status_1(tmp_path):
    secured = start_server(tmp_path, "--api-key", "secret")
    try:
        result = run_worker("python", secured, "--api-key", "wrong", "--no-register", "--poll-interval", "0.05")
    finally:
        secured.stop()
    assert result.returncode == 1
    assert result.stderr.count("UNAUTHENTICATED: Invalid or missing API key") == 5
    assert summary(result.stdout) == (0, 0)


# The client

def test_error_status_raises_task_manager_error(server):
    with pytest.raises(TaskManagerError) as raised:
        server.client.get_task(999)
    error = raised.value
    assert (error.code, error.code_name, error.message) == (5, "NOT_FOUND", "Task not found")
    assert str(error) == "NOT_FOUND: Task not found"
    with pytest.raises(TaskManagerError) as raised:
        server.client.create_task("no.such.type")
    assert (raised.value.code, raised.value.message) == (5, "Task type not found")
    with pytest.raises(TaskManagerError) as raised:
        server.client.claim_task("w")
    assert (raised.value.code_name, raised.value.message) == ("INVALID_ARGUMENT",
                                                               "task_type_id or type_pattern is required")


def test_unreachable_server_raises_unavailable():
    with Client(f"127.0.0.1:{closed_port()}", timeout=2) as client:
        with pytest.raises(TaskManagerError) as raised:
            client.health()
    assert (raised.value.code, raised.value.code_name) == (14, "UNAVAILABLE")


def test_api_key_travels_as_metadata(tmp_path):
    secured = start_server(tmp_path, "--api-key", "secret")
    try:
        with Client(secured.address) as anonymous:
            assert anonymous.health().status == "healthy"
            with pytest.raises(TaskManagerError) as raised:
                anonymous.list_tasks()
            assert raised.value.code == 16
        with Client(secured.address, api_key="secret") as client:
            assert client.list_tasks().total == 0
    finally:
        secured.stop()


def test_json_arguments_are_encoded(server):
    client = server.client
    assert client.register_task_type("test.json", "1", '{"type": "object"}').created
    empty = client.create_task("test.json").task
    assert empty.params_json == "{}"
    assert client.create_task("test.json", '{"b": 1, "a": "é"}').task.params_json == '{"a":"é","b":1}'
    claimed = client.claim_task("json-worker", type_pattern="test.json")
    assert claimed.id == empty.id
    done = client.complete_task(claimed.id, "json-worker", [1, {"x": None}]).task
    assert done.result_json == '[1,{"x":null}]'


def test_task_type_calls(server):
    client = server.client
    register_examples(client)
    assert client.get_task_type("example.echo").version == "1.0.0"
    assert not client.set_task_type_active("example.echo", False).is_active
    assert "example.echo" not in [t.name for t in client.list_task_types(active_only=True)]
    assert len(client.list_task_types()) == 5
    with pytest.raises(TaskManagerError) as raised:
        client.create_task("example.echo", {"message": "x"})
    assert (raised.value.code, raised.value.message) == (9, "Task type is not active")


def test_pipelined_calls_from_many_threads_get_their_own_answers(server):
    client = server.client
    client.register_task_type("test.pipeline", "1", {"type": "object"})
    ids = [client.create_task("test.pipeline", {"thread": n}).task.id for n in range(8)]
    barrier = threading.Barrier(8)
    failures = []

    def calls(n):
        barrier.wait()
        try:
            for i in range(50):
                if i % 5 == 4:
                    assert client.ping() >= 0
                else:
                    task = client.get_task(ids[n])
                    assert (task.id, json.loads(task.params_json)) == (ids[n], {"thread": n})
        except Exception as error:  # reported below with the thread number
            failures.append((n, error))

    threads = [threading.Thread(target=calls, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []


def test_responses_are_routed_by_call_id_in_any_order():
    def answer_in_reverse(connection):
        frames = [read_client_frame(connection) for _ in range(2)]
        for frame in reversed(frames):
            task = ts.Task(id=ts.GetTaskRequest.FromString(frame.request.payload).id)
            send_response(connection, frame.request.call_id, payload=task.SerializeToString())
        connection.recv(1)

    with FakeServer(answer_in_reverse) as fake, Client(fake.address) as client:
        results = {}
        threads = [threading.Thread(target=lambda n=n: results.update({n: client.get_task(n).id})) for n in (1, 2)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)  # the first request reaches the fake server first
        for thread in threads:
            thread.join(timeout=10)
    assert results == {1: 1, 2: 2}


def test_silent_server_gives_deadline_exceeded_after_timeout_plus_grace():
    received = []

    def silent(connection):
        received.append(read_client_frame(connection))
        connection.recv(1000)

    with FakeServer(silent) as fake, Client(fake.address, api_key="k", timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(TaskManagerError) as raised:
            client.get_task(1)
        elapsed = time.monotonic() - started
    assert raised.value.code_name == "DEADLINE_EXCEEDED"
    assert 2.2 <= elapsed < 4
    request = received[0].request
    assert (request.method, request.timeout_ms) == ("/taskmanager.v1.TaskService/GetTask", 300)
    assert dict(request.metadata) == {"x-api-key": "k"}


def test_lost_connection_fails_the_call_and_the_next_call_reconnects():
    def hang_up(connection):
        read_client_frame(connection)

    def answer(connection):
        frame = read_client_frame(connection)
        send_response(connection, frame.request.call_id, payload=ts.Task(id=9).SerializeToString())
        connection.recv(1)

    with FakeServer(hang_up, answer) as fake, Client(fake.address) as client:
        with pytest.raises(TaskManagerError) as raised:
            client.get_task(9)
        assert raised.value.code == 14
        assert client.get_task(9).id == 9


# Helpers

def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_exactly(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        assert chunk, "client closed the connection"
        data += chunk
    return data


def read_client_frame(connection):
    (length,) = struct.unpack(">I", read_exactly(connection, 4))
    return rpc_pb2.ClientFrame.FromString(read_exactly(connection, length))


def send_response(connection, call_id, payload=b"", code=0, message=""):
    frame = rpc_pb2.ServerFrame()
    frame.response.call_id = call_id
    frame.response.status.code = code
    frame.response.status.message = message
    frame.response.payload = payload
    frame.response.end_of_stream = True
    body = frame.SerializeToString()
    connection.sendall(struct.pack(">I", len(body)) + body)


class FakeServer:
    """A scripted server on a loopback port: the n-th connection is handed to the n-th behaviour, then closed."""

    def __init__(self, *behaviours):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, args=(behaviours,), daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._listener.close()

    def _serve(self, behaviours):
        for behaviour in behaviours:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed by __exit__
            with connection:
                try:
                    behaviour(connection)
                except (OSError, AssertionError):
                    pass  # the client went away first


def test_claim_calls_carry_attempts_heartbeats_and_cancel_requests(server):
    register_examples(server.client)
    client = server.client
    task_id = client.create_task("example.echo", {"message": "attempts"}).task.id
    task = client.claim_task("w1", type_pattern="example.echo")
    assert (task.id, task.attempts) == (task_id, 1)
    beat = client.heartbeat(task_id, "w1", attempt=1)
    assert beat.lease_expires_at_ms > 0 and not beat.cancel_requested
    assert client.update_progress(task_id, "w1", 10, "ten", attempt=1).progress == 10
    client.cancel_task(task_id, reason="test")
    assert client.heartbeat(task_id, "w1", attempt=1).cancel_requested
    assert client.update_progress(task_id, "w1", 20, attempt=1).cancel_requested
    # A call for another attempt is refused: the server counts only the current one.
    with pytest.raises(TaskManagerError) as refused:
        client.complete_task(task_id, "w1", {"done": True}, attempt=2)
    assert refused.value.message == "Lease lost"
    assert client.fail_task(task_id, "w1", "stopped", attempt=1).task.status == 5  # CANCELLED


def test_a_long_poll_claim_waits_past_the_client_timeout_and_returns_the_new_task(server):
    register_examples(server.client)
    short = Client(server.address, timeout=1.0)
    try:
        result = {}
        waiting = threading.Thread(
            target=lambda: result.update(task=short.claim_task("w1", type_pattern="example.%", wait_ms=3000)))
        started = time.monotonic()
        waiting.start()
        time.sleep(1.5)  # past the client's own 1 s timeout
        task_id = server.client.create_task("example.echo", {"message": "long poll"}).task.id
        waiting.join(10)
        assert result["task"] is not None and result["task"].id == task_id
        assert 1.4 < time.monotonic() - started < 3.0
        # Nothing to claim: the server waits the whole wait_ms, and the answer is "none", not a deadline.
        assert short.claim_task("w1", type_pattern="example.%", wait_ms=1500) is None
        assert server.client.claim_tasks("w1", 5, type_pattern="example.%") == []
    finally:
        short.close()
