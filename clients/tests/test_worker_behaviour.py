"""The behaviour every worker shares (clients/EXAMPLES.md), checked once for each of the four languages."""
import json
import signal
import time

import pytest

from conftest import WORKERS, run_worker, start_worker, summary
from examples_batch import batch_size, check_batch, create_batch, register_examples

PENDING, CLAIMED, COMPLETED, FAILED = 1, 2, 3, 4
LANGUAGES = list(WORKERS)
IDLE = ("--stop-when-idle", "--poll-interval", "0.1")


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_processes_every_example_type(server, language):
    created = create_batch(server.client, language)
    result = run_worker(language, server, *IDLE)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert summary(result.stdout) == (batch_size(created), 4)
    check_batch(server.client, created, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_minimal_worker_completes_one_echo_task(server, language):
    register_examples(server.client)
    task_id = server.client.create_task("example.echo", {"message": "minimal"}).task.id
    result = run_worker(language, server, minimal=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(task_id)
    task = server.client.get_task(task_id)
    assert (task.status, task.progress, task.claimed_by) == (COMPLETED, 50, f"minimal-{language}")
    assert json.loads(task.result_json) == {"echoed": "minimal"}
    assert "Progress: 50% - half way" in [e.message for e in server.client.get_task_history(task_id)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_minimal_worker_exits_1_when_nothing_is_claimable(server, language):
    register_examples(server.client)
    assert run_worker(language, server, minimal=True).returncode == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_finishes_its_task_on_sigterm(server, language, tmp_path):
    register_examples(server.client)
    task_id = server.client.create_task("example.sleep", {"seconds": 2}).task.id
    log = tmp_path / "worker.log"
    worker = start_worker(language, server, "--poll-interval", "0.1", log=log)
    try:
        deadline = time.monotonic() + 20
        while server.client.get_task(task_id).status != CLAIMED:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
    task = server.client.get_task(task_id)
    assert (task.status, task.progress) == (COMPLETED, 100), log.read_text()
    assert json.loads(task.result_json) == {"slept": 2, "steps": 4}
    assert summary(log.read_text()) == (1, 0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_max_runs_stops_after_that_many_tasks(server, language):
    register_examples(server.client)
    ids = [server.client.create_task("example.echo", {"message": f"m{n}"}).task.id for n in range(3)]
    result = run_worker(language, server, "--poll-interval", "0.1", "--max-runs", "1")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 0)
    assert sorted(server.client.get_task(task_id).status for task_id in ids) == [PENDING, PENDING, COMPLETED]


@pytest.mark.parametrize("language", LANGUAGES)
def test_task_type_ids_claim_only_those_types(server, language):
    register_examples(server.client)
    echo = server.client.create_task("example.echo", {"message": "by id"}).task
    upper = server.client.create_task("example.uppercase", {"text": "by id"}).task
    add = server.client.create_task("example.math.add", {"a": 1, "b": 2}).task
    result = run_worker(language, server, *IDLE, "--task-type-ids", f"{echo.type_id},{upper.type_id}")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (2, 0)
    assert [server.client.get_task(t.id).status for t in (echo, upper, add)] == [COMPLETED, COMPLETED, PENDING]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_task_of_unknown_type_is_failed(server, language):
    server.client.register_task_type("example.unknown", "1.0.0", {"type": "object"})
    task_id = server.client.create_task("example.unknown", {}, max_attempts=1).task.id
    result = run_worker(language, server, *IDLE)
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 1)
    task = server.client.get_task(task_id)
    assert (task.status, task.error_message) == (FAILED, "Unknown task type: example.unknown")
