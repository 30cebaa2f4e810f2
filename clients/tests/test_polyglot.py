"""Workers of all four languages against one server: no task is ever handed to two of them, and a worker
killed in the middle of a task leaves it to be claimed again after the claim timeout."""
import signal
import time

import pytest

from conftest import WORKERS, start_worker, summary
from examples_batch import register_examples


def wait_for(condition, timeout=30.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"condition not met within {timeout} s")


def test_workers_of_different_languages_never_get_the_same_task(server, tmp_path):
    client = server.client
    register_examples(client)
    ids = [client.create_task("example.echo", {"message": f"m{n}"}).task.id for n in range(80)]
    logs = {language: tmp_path / f"{language}.log" for language in WORKERS}
    workers = {
        language: start_worker(language, server, "--stop-when-idle", "--poll-interval", "0.1", log=logs[language])
        for language in WORKERS
    }
    for language, process in workers.items():
        assert process.wait(timeout=120) == 0, logs[language].read_text()

    handled = 0
    for language in WORKERS:
        processed, failed = summary(logs[language].read_text())
        assert failed == 0
        handled += processed
    assert handled == len(ids), "every task was handled exactly once in all"
    for task_id in ids:
        task = client.get_task(task_id)
        assert task.status == 3, task
        claims = [e for e in client.get_task_history(task_id) if e.status_change == "claimed"]
        assert len(claims) == 1, f"task {task_id} was claimed {len(claims)} times"
        assert claims[0].worker_id == task.claimed_by
        assert task.claimed_by.split("-")[0] in WORKERS


@pytest.mark.parametrize("language", list(WORKERS))
def test_a_worker_killed_mid_task_leaves_it_to_be_claimed_again(server, language, tmp_path):
    client = server.client
    register_examples(client)
    task_id = client.create_task("example.sleep", {"seconds": 30, "steps": 30}).task.id
    worker = start_worker(language, server, "--poll-interval", "0.1", log=tmp_path / "worker.log")
    try:
        wait_for(lambda: client.get_task(task_id).progress > 0)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed = client.get_task(task_id)
    assert killed.status == 2 and killed.claimed_by.startswith(language), killed
    assert client.claim_task("rescuer", type_pattern="example.sleep") is None, "the claim is not stale yet"

    time.sleep(2.2)  # the server fixture's claim timeout is 2 s

    again = client.claim_task("rescuer", type_pattern="example.sleep")
    assert again is not None and again.id == task_id
    assert again.attempts == 2
    changes = [e.status_change for e in client.get_task_history(task_id)]
    assert "claim_timeout" in changes
    assert changes[-1] == "claimed"
