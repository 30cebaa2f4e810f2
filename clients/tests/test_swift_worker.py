"""`taskmanager work` and the Swift minimal worker against a real server (clients/EXAMPLES.md)."""
import json
import signal
import time

import pytest

from conftest import run_worker, start_worker, summary
from examples_batch import TASK_TYPES, batch_size, check_batch, create_batch, register_examples


def wait_for(condition, timeout=30.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"condition not met within {timeout} s")


def test_swift_worker_processes_every_example_type(server):
    created = create_batch(server.client, "swift")
    result = run_worker("swift", server, "--stop-when-idle", "--poll-interval", "0.1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout) == (batch_size(created), 4)
    check_batch(server.client, created, "swift")


def test_swift_worker_registers_the_example_types_of_task_types_json(server):
    result = run_worker("swift", server, "--stop-when-idle", "--poll-interval", "0.1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout) == (0, 0)
    for expected in json.loads(TASK_TYPES.read_text()):
        registered = server.client.get_task_type(expected["name"])
        assert registered.version == expected["version"]
        assert json.loads(registered.param_schema_json) == expected["param_schema"]


def test_swift_minimal_worker_completes_one_echo_task(server):
    client = server.client
    register_examples(client)
    task_id = client.create_task("example.echo", {"message": "hello minimal"}).task.id
    result = run_worker("swift", server, minimal=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(task_id) in result.stdout
    task = client.get_task(task_id)
    assert task.status == 3, task
    assert task.claimed_by == "minimal-swift"
    assert task.progress == 50
    assert json.loads(task.result_json) == {"echoed": "hello minimal"}
    messages = [e.message for e in client.get_task_history(task_id) if e.status_change == "progress_update"]
    assert messages == ["Progress: 50% - half way"]


def test_swift_minimal_worker_exits_1_when_nothing_is_claimable(server):
    register_examples(server.client)
    result = run_worker("swift", server, minimal=True)
    assert result.returncode == 1, result.stdout + result.stderr


def test_swift_worker_finishes_its_task_on_sigterm(server, tmp_path):
    client = server.client
    register_examples(client)
    task_id = client.create_task("example.sleep", {"seconds": 2, "steps": 4}).task.id
    log = tmp_path / "worker.log"
    worker = start_worker("swift", server, "--poll-interval", "0.1", log=log)
    try:
        wait_for(lambda: client.get_task(task_id).status == 2)  # claimed
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    task = client.get_task(task_id)
    assert task.status == 3, task
    assert task.progress == 100
    assert summary(log.read_text()) == (1, 0)


def test_swift_worker_exits_1_when_the_server_is_unreachable(server):
    server.stop()
    result = run_worker("swift", server, "--stop-when-idle")
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary(result.stdout) == (0, 0)
