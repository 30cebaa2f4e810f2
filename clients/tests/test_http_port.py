"""The HTTP side port of `taskmanager serve --http-port 0`: /healthz, /readyz and /metrics, read with the real
`curl` and Python's HTTP client, and /metrics parsed by prometheus_client's text-format parser while real calls
move its counters."""
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import TASKMANAGER, clean_environment, start_server
from taskmanager_client import Client, TaskManagerError


def http_address(server):
    """The HOST:PORT of the server's "HTTP port listening on HOST:PORT" log line."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        match = re.search(r"HTTP port listening on (\S+):(\d+)", server.log.read_text())
        if match:
            return f"{match.group(1)}:{match.group(2)}"
        time.sleep(0.05)
    pytest.fail(f"no 'HTTP port listening on' line:\n{server.log.read_text()}")


def get(address, path, key=None):
    """(status, body) of GET http://ADDRESS/PATH."""
    request = urllib.request.Request(f"http://{address}{path}")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def curl(address, path, *options):
    """(status, body) of the real curl binary's GET."""
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "10", "--write-out", "\n%{http_code}", *options,
         f"http://{address}{path}"],
        capture_output=True, text=True, check=True)
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


def samples(text):
    """{(name, sorted label items): value} of every sample of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def scrape(address, key=None):
    status, body = get(address, "/metrics", key)
    assert status == 200, body
    return samples(body)


def value(metrics, name, **labels):
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def http_server(tmp_path):
    running = start_server(tmp_path, "--http-port", "0", "--reaper-interval-ms", "100", "--claim-timeout", "2",
                           "--retry-backoff-base-ms", "0")
    yield running, http_address(running)
    running.stop()


def test_the_http_port_is_off_unless_asked_for(tmp_path):
    running = start_server(tmp_path)
    try:
        time.sleep(0.3)
        assert "HTTP port" not in running.log.read_text()
    finally:
        running.stop()


def test_health_endpoints_with_curl(http_server):
    _, address = http_server
    assert address.startswith("127.0.0.1:")
    assert curl(address, "/healthz") == (200, "ok\n")
    assert curl(address, "/readyz") == (200, "ready\n")
    status, _ = curl(address, "/nothing-here")
    assert status == 404


def test_metrics_count_calls_and_tasks(http_server):
    server, address = http_server
    client = server.client
    client.register_task_type("metrics.demo", "1.0.0", {"type": "object"})
    before = scrape(address)
    for n in range(3):
        client.create_task("metrics.demo", {"n": n})
    with pytest.raises(TaskManagerError) as refused:
        client.get_task(999_999)
    assert refused.value.code_name == "NOT_FOUND"
    with pytest.raises(TaskManagerError):
        client.create_task("metrics.no-such-type", {})
    after = scrape(address)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("taskmanager_calls_total", method="CreateTask", code="OK") == 3
    assert moved("taskmanager_calls_total", method="GetTask", code="NOT_FOUND") == 1
    assert moved("taskmanager_calls_total", method="CreateTask", code="NOT_FOUND") == 1
    assert moved("taskmanager_call_duration_seconds_count", method="CreateTask") == 4
    assert value(after, "taskmanager_call_duration_seconds_bucket", method="CreateTask", le="+Inf") >= 4
    assert moved("taskmanager_tasks", type="metrics.demo", status="pending") == 3
    assert value(after, "taskmanager_tasks", type="metrics.demo", status="claimed") == 0
    assert value(after, "taskmanager_oldest_pending_age_seconds", type="metrics.demo") >= 0
    assert value(after, "taskmanager_connections_open") >= 1
    assert value(after, "taskmanager_calls_in_flight") == 0
    assert value(after, "taskmanager_ready") == 1
    assert value(after, "taskmanager_wal_bytes") > 0
    # Every create is one group commit of one call here, synced (durability full).
    assert moved("taskmanager_group_commit_batch_size_count") >= 3
    assert moved("taskmanager_group_commit_duration_seconds_count") >= 3
    assert moved("taskmanager_wal_sync_duration_seconds_count") >= 3

    # A claimed task moves between the status gauges; its lease runs out (2 s) and the background job retries it.
    claimed = client.claim_task("w1", type_pattern="metrics.demo")
    assert claimed.id
    assert value(scrape(address), "taskmanager_tasks", type="metrics.demo", status="claimed") == 1
    deadline = time.monotonic() + 10
    while value(scrape(address), "taskmanager_lease_expiries_total", outcome="requeued") < 1:
        assert time.monotonic() < deadline, "the lease never expired"
        time.sleep(0.2)
    last = scrape(address)
    assert value(last, "taskmanager_retries_total", cause="lease_expired") >= 1
    assert value(last, "taskmanager_tasks", type="metrics.demo", status="pending") == 3

    # A failed attempt with attempts left goes back to pending: a retry of cause "failed".
    claimed = client.claim_task("w1", type_pattern="metrics.demo")
    assert client.fail_task(claimed.id, "w1", "boom", attempt=claimed.attempts).retried
    assert value(scrape(address), "taskmanager_retries_total", cause="failed") == 1


def test_metrics_need_a_key_of_role_admin_or_metrics(tmp_path):
    keys = tmp_path / "keys"

    def add_key(name, role):
        output = subprocess.run(
            [str(TASKMANAGER), "keys", "add", name, "--role", role, "--keys-file", str(keys)],
            capture_output=True, text=True, check=True, env=clean_environment()).stdout
        return output.split()[-1]

    admin, scraper, producer = add_key("ops", "admin"), add_key("prometheus", "metrics"), add_key("app", "producer")
    running = start_server(tmp_path, "--http-port", "0", "--keys-file", str(keys))
    try:
        address = http_address(running)
        status, body = curl(address, "/metrics")
        assert status == 401, body
        assert curl(address, "/metrics", "-H", "Authorization: Bearer not-a-key")[0] == 401
        status, body = curl(address, "/metrics", "-H", f"Authorization: Bearer {producer}")
        assert status == 403 and "role producer" in body, body
        for key in (admin, scraper):
            status, body = curl(address, "/metrics", "-H", f"Authorization: Bearer {key}")
            assert status == 200, body
            assert value(samples(body), "taskmanager_ready") == 1
        # Health endpoints stay open: probes hold no secret.
        assert curl(address, "/healthz") == (200, "ok\n")
        assert curl(address, "/readyz") == (200, "ready\n")
        # The metrics key can call nothing but Health on the binary port.
        with Client(running.address, api_key=scraper) as client:
            assert client.health().status == "healthy"
            with pytest.raises(TaskManagerError) as denied:
                client.list_tasks()
            assert denied.value.code_name == "PERMISSION_DENIED"
        # Refused calls are counted under their method and code.
        with Client(running.address) as client:
            with pytest.raises(TaskManagerError) as refused:
                client.list_tasks()
            assert refused.value.code_name == "UNAUTHENTICATED"
        status, body = curl(address, "/metrics", "-H", f"Authorization: Bearer {scraper}")
        metrics = samples(body)
        assert value(metrics, "taskmanager_calls_total", method="ListTasks", code="PERMISSION_DENIED") == 1
        assert value(metrics, "taskmanager_calls_total", method="ListTasks", code="UNAUTHENTICATED") == 1
        assert value(metrics, "taskmanager_calls_total", method="Health", code="OK") == 1
    finally:
        running.stop()


def test_sigterm_stops_the_http_port_with_the_server(http_server):
    server, address = http_server
    assert get(address, "/healthz")[0] == 200
    server.stop()
    assert server.process.returncode == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://{address}/healthz", timeout=2)


def test_bad_http_and_drain_options_are_refused(tmp_path):
    result = subprocess.run(
        [str(TASKMANAGER), "serve", "--port", "0", "--db", str(tmp_path / "t.db"), "--http-port", "70000"],
        capture_output=True, text=True, timeout=30, env=clean_environment())
    assert result.returncode != 0
    assert "HTTP port must be between 0 and 65535" in result.stderr
    result = subprocess.run(
        [str(TASKMANAGER), "serve", "--port", "0", "--db", str(tmp_path / "t.db"), "--http-host", "0.0.0.0"],
        capture_output=True, text=True, timeout=30, env=clean_environment())
    assert result.returncode != 0
    assert "--http-host needs --http-port" in result.stderr
    result = subprocess.run(
        [str(TASKMANAGER), "serve", "--port", "0", "--db", str(tmp_path / "t.db"), "--drain-timeout=-1"],
        capture_output=True, text=True, timeout=30, env=clean_environment())
    assert result.returncode != 0
    assert "Drain timeout must not be negative" in result.stderr


def test_an_http_port_in_use_stops_the_server(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(TASKMANAGER), "serve", "--port", "0", "--db", str(tmp_path / "t.db"), "--http-port", str(port)],
            capture_output=True, text=True, timeout=30, env=clean_environment())
    assert result.returncode == 1
    assert f"Cannot start the HTTP port: Cannot bind the HTTP port 127.0.0.1:{port}" in result.stderr, result.stderr


def test_a_remote_http_host_without_keys_binds_loopback(tmp_path):
    running = start_server(tmp_path, "--http-port", "0", "--http-host", "0.0.0.0")
    try:
        assert http_address(running).startswith("127.0.0.1:")
        assert "No API key set: the HTTP port binds 127.0.0.1 instead of 0.0.0.0" in running.log.read_text()
    finally:
        running.stop()
