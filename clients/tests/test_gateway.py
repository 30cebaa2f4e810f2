"""The JSON gateway of the HTTP port (`taskmanager serve --http-port 0`), called with the real `curl` binary:
a task's whole life (create, claim, progress, complete, get), errors as Connect-style JSON with their HTTP status,
the binary port's keys and roles, a watch as server-sent events, unknown methods and bad JSON fields."""
import json
from pathlib import Path
import subprocess
import time

import pytest

from conftest import TASKMANAGER, clean_environment, start_server
from taskmanager_client import Client
from test_http_port import http_address, samples, value

SERVICE = "taskmanager.v1.TaskService"


def call(address, method, body="{}", *options, key=None, service=SERVICE, content_type="application/json"):
    """(status, headers text, body) of the real curl's POST of `body` (text, or an object sent as JSON)."""
    if not isinstance(body, str):
        body = json.dumps(body)
    auth = ["-H", f"Authorization: Bearer {key}"] if key else []
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "20", "--dump-header", "-", "--write-out", "\n%{http_code}",
         "-H", f"Content-Type: {content_type}", *auth, "--data-binary", body, *options,
         f"http://{address}/{service}/{method}"],
        capture_output=True, text=True, check=True)
    text, _, status = result.stdout.rpartition("\n")
    headers, _, payload = text.partition("\n\n")
    return int(status), headers.lower(), payload


def ok(address, method, body="{}", key=None):
    status, headers, payload = call(address, method, body, key=key)
    assert status == 200, payload
    assert "content-type: application/json" in headers
    return json.loads(payload)


@pytest.fixture
def gateway(tmp_path):
    running = start_server(tmp_path, "--http-port", "0", "--retry-backoff-base-ms", "0")
    yield running, http_address(running)
    running.stop()


def test_a_task_lifecycle_through_curl(gateway):
    server, address = gateway
    registered = ok(address, "RegisterTaskType", {"name": "gw.resize", "version": "1.0.0", "paramSchemaJson": '{"type": "object"}'})
    assert registered["created"] is True
    created = ok(address, "CreateTask", {"type": "gw.resize", "paramsJson": '{"width": 640}', "priority": 5})
    task_id = created["task"]["id"]
    assert isinstance(task_id, str), "int64 is a string in the proto3 JSON mapping"
    assert created["task"]["status"] == "TASK_STATUS_PENDING"
    # The binary port sees the same task: the gateway runs calls on the same server.
    assert server.client.get_task(int(task_id)).type == "gw.resize"

    claimed = ok(address, "ClaimTask", {"workerId": "curl-worker", "typePattern": "gw.%"})
    assert claimed["task"]["id"] == task_id
    attempt = claimed["task"]["attempts"]
    progress = ok(address, "UpdateProgress", {"id": task_id, "workerId": "curl-worker", "progress": 40, "message": "halfway", "attempt": attempt})
    assert progress["progress"] == 40
    done = ok(address, "CompleteTask", {"id": task_id, "workerId": "curl-worker", "resultJson": '{"ok": true}', "attempt": attempt})
    assert done["task"]["status"] == "TASK_STATUS_COMPLETED"

    task = ok(address, "GetTask", {"id": task_id})
    assert task["status"] == "TASK_STATUS_COMPLETED"
    assert json.loads(task["resultJson"]) == {"ok": True}
    history = ok(address, "GetTaskHistory", {"taskId": task_id})
    assert [entry["statusChange"] for entry in history["entries"]][:2] == ["created", "claimed"]
    # The Reflection service is served too.
    status, _, payload = call(address, "GetFileDescriptorSet", service="taskmanager.rpc.v1.Reflection")
    assert status == 200 and SERVICE in json.loads(payload)["services"], payload


def test_errors_are_json_with_the_status_of_their_code(gateway):
    _, address = gateway
    status, headers, payload = call(address, "GetTask", {"id": "999999"})
    assert status == 404, payload
    assert "content-type: application/json" in headers
    assert json.loads(payload) == {"code": "not_found", "message": "Task not found"}

    status, _, payload = call(address, "CreateTask", {"type": "gw.no-such-type"})
    assert status == 404 and json.loads(payload)["code"] == "not_found", payload

    ok(address, "RegisterTaskType", {"name": "gw.done", "version": "1.0.0", "paramSchemaJson": '{"type": "object"}'})
    task_id = ok(address, "CreateTask", {"type": "gw.done"})["task"]["id"]
    status, _, payload = call(address, "CompleteTask", {"id": task_id, "workerId": "nobody"})
    assert status == 400 and json.loads(payload)["code"] == "failed_precondition", payload


def test_a_bad_json_field_is_named(gateway):
    _, address = gateway
    status, _, payload = call(address, "CreateTasks", {"tasks": [{"type": "a"}, {"type": "b", "priorty": 1}]})
    assert status == 400, payload
    error = json.loads(payload)
    assert error["code"] == "invalid_argument"
    assert "tasks[1].priorty" in error["message"], error
    status, _, payload = call(address, "GetTask", '{"id": ')
    assert status == 400 and "Invalid JSON" in json.loads(payload)["message"], payload
    status, _, payload = call(address, "GetTask", {"id": "x"})
    assert status == 400 and "id" in json.loads(payload)["message"], payload
    # Not JSON at all: 415, which also keeps a cross-site form post out.
    status, _, payload = call(address, "GetTask", "id=1", content_type="application/x-www-form-urlencoded")
    assert status == 415, payload


def test_unknown_methods_and_other_http_methods(gateway):
    _, address = gateway
    status, _, payload = call(address, "CreateTsk")
    assert status == 404, payload
    error = json.loads(payload)
    assert error["code"] == "unimplemented"
    assert "did you mean taskmanager.v1.TaskService/CreateTask" in error["message"], error
    status, _, payload = call(address, "GetTask", service="taskmanager.v9.Nothing")
    assert status == 404, payload
    status, headers, payload = call(address, "GetTask", "{}", "-X", "GET")
    assert status == 405, payload
    assert "allow: post" in headers


def test_the_body_limit_is_the_frame_limit(tmp_path):
    running = start_server(tmp_path, "--http-port", "0", "--max-frame-bytes", "65536")
    try:
        address = http_address(running)
        big = {"type": "x", "paramsJson": json.dumps({"blob": "a" * 70000})}
        status, _, payload = call(address, "CreateTask", big)
        assert status == 413, payload
        assert "65536" in json.loads(payload)["message"]
    finally:
        running.stop()


def test_keys_and_roles_are_the_binary_ports(tmp_path):
    keys = tmp_path / "keys"

    def add_key(name, role, *options):
        output = subprocess.run(
            [str(TASKMANAGER), "keys", "add", name, "--role", role, "--keys-file", str(keys), *options],
            capture_output=True, text=True, check=True, env=clean_environment()).stdout
        return output.split()[-1]

    admin, producer, limited = add_key("ops", "admin"), add_key("app", "producer"), add_key("slow", "producer", "--rate", "0.1", "--burst", "1")
    running = start_server(tmp_path, "--http-port", "0", "--keys-file", str(keys))
    try:
        address = http_address(running)
        status, headers, payload = call(address, "ListTasks")
        assert status == 401 and json.loads(payload)["code"] == "unauthenticated", payload
        assert "www-authenticate: bearer" in headers
        assert call(address, "ListTasks", key="not-a-key")[0] == 401
        # Strangers learn nothing of methods: an unknown one is 401 too.
        assert call(address, "NoSuchMethod")[0] == 401
        assert call(address, "ListTasks", key=producer)[0] == 200
        status, _, payload = call(address, "ClaimTask", {"workerId": "w", "typePattern": "%"}, key=producer)
        assert status == 403, payload
        assert json.loads(payload) == {
            "code": "permission_denied", "message": 'API key "app" (role producer) may not call ClaimTask'}
        assert call(address, "ClaimTask", {"workerId": "w", "typePattern": "%"}, key=admin)[0] == 200
        # A key's rate limit holds on the gateway and the binary port together.
        assert call(address, "ListTasks", key=limited)[0] == 200
        status, headers, payload = call(address, "ListTasks", key=limited)
        assert status == 429 and json.loads(payload)["code"] == "resource_exhausted", payload
        assert "retry-after: " in headers
        # Health needs no key, as on the binary port.
        assert call(address, "Health")[0] == 200
    finally:
        running.stop()


def test_watch_task_as_server_sent_events(gateway):
    server, address = gateway
    client = server.client
    client.register_task_type("gw.watched", "1.0.0", {"type": "object"})
    task = client.create_task("gw.watched", {}).task
    watcher = subprocess.Popen(
        ["curl", "--silent", "--show-error", "-N", "--max-time", "30", "-H", "Content-Type: application/json",
         "--data-binary", json.dumps({"id": str(task.id)}), "--dump-header", "-",
         f"http://{address}/{SERVICE}/WatchTask"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        claimed = client.claim_task("py-worker", type_pattern="gw.watched")
        for percent in (25, 50, 75):
            client.update_progress(claimed.id, "py-worker", percent, f"at {percent}", attempt=claimed.attempts)
            time.sleep(0.1)
        client.complete_task(claimed.id, "py-worker", {"done": True}, attempt=claimed.attempts)
        output, errors = watcher.communicate(timeout=20)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, errors
    headers, _, body = output.partition("\n\n")
    assert "content-type: text/event-stream" in headers.lower()
    events = [line[len("data: "):] for line in body.split("\n") if line.startswith("data: ")]
    items = [json.loads(event) for event in events[:-1]]
    assert items[0]["task"]["id"] == str(task.id)
    changes = [item["entry"]["statusChange"] for item in items[1:]]
    assert changes.count("progress_update") == 3, changes
    assert changes[-1] == "completed"
    messages = [item["entry"]["message"] for item in items[1:] if item["entry"]["statusChange"] == "progress_update"]
    assert messages == ["Progress: 25% - at 25", "Progress: 50% - at 50", "Progress: 75% - at 75"]
    assert body.rstrip().endswith("event: end\ndata: {}"), body


def test_a_stream_that_fails_first_is_an_error_and_a_disconnect_cancels_a_stream(tmp_path):
    running = start_server(tmp_path, "--http-port", "0")
    try:
        address = http_address(running)
        status, _, payload = call(address, "WatchTask", {"id": "424242"})
        assert status == 404 and json.loads(payload)["code"] == "not_found", payload
        # WatchTasks never ends by itself: curl gives up after 1 s and the server ends the call.
        result = subprocess.run(
            ["curl", "--silent", "-N", "--max-time", "1", "-H", "Content-Type: application/json", "--data-binary", "{}",
             f"http://{address}/{SERVICE}/WatchTasks"], capture_output=True, text=True)
        assert result.returncode == 28, "curl timed out while the stream was open"
        # The server learns of it from the failed write of a keep-alive comment (every 5 s).
        deadline = time.monotonic() + 25
        while True:
            metrics = samples(subprocess.run(["curl", "--silent", f"http://{address}/metrics"], capture_output=True, text=True, check=True).stdout)
            if value(metrics, "taskmanager_calls_total", method="WatchTasks", code="CANCELLED") == 1:
                break
            assert time.monotonic() < deadline, "the stream was not cancelled when its client went away"
            time.sleep(0.2)
        assert value(metrics, "taskmanager_calls_in_flight") == 0
    finally:
        running.stop()


def test_a_stream_ends_with_unavailable_when_the_server_stops(tmp_path):
    running = start_server(tmp_path, "--http-port", "0")
    address = http_address(running)
    watcher = subprocess.Popen(
        ["curl", "--silent", "-N", "--max-time", "30", "-H", "Content-Type: application/json", "--data-binary", "{}",
         f"http://{address}/{SERVICE}/WatchTasks"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        # The stream's first event: a task created now.
        running.client.register_task_type("gw.stop", "1.0.0", {"type": "object"})
        running.client.create_task("gw.stop", {})
        time.sleep(0.5)
        started = time.monotonic()
        running.stop()
        output, _ = watcher.communicate(timeout=15)
        assert time.monotonic() - started < 8, "the open stream held up the shutdown"
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert '"statusChange":"created"' in output, output
    assert output.rstrip().endswith('event: error\ndata: {"code":"unavailable","message":"Server is shutting down"}'), output


def test_the_readme_curl_examples_work_as_written(gateway):
    server, address = gateway
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("the same RPCs answer JSON over HTTP"):]
    block = section[section.index("```sh\n") + len("```sh\n"):]
    block = block[:block.index("```")]
    assert "127.0.0.1:7412" in block
    server.client.register_task_type("example.echo", "1.0.0", {"type": "object"})
    result = subprocess.run(["bash", "-e", "-c", block.replace("127.0.0.1:7412", address)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    created, got, missing = [json.loads(line) for line in result.stdout.splitlines()]
    assert created["task"]["type"] == "example.echo"
    assert got["id"] == created["task"]["id"] == "1"
    assert json.loads(got["paramsJson"]) == {"message": "over http"}
    assert missing == {"code": "not_found", "message": "Task not found"}
