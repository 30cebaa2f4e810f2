"""Workers of all four languages against one server: no task is ever handed to two of them, and a worker
killed in the middle of a task has its task back in pending within the lease plus one reaper interval."""
import signal
import time

import pytest

from conftest import LEASE_SECONDS, REAPER_INTERVAL_MS, WORKERS, start_worker, summary
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
def test_a_worker_killed_mid_task_has_its_task_back_in_pending(server, language, tmp_path):
    client = server.client
    register_examples(client)
    task_id = client.create_task("example.sleep", {"seconds": 30, "steps": 30}).task.id
    worker = start_worker(language, server, "--poll-interval", "0.1", log=tmp_path / "worker.log")
    try:
        wait_for(lambda: client.get_task(task_id).progress > 0)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed_at = time.monotonic()
    killed = client.get_task(task_id)
    assert killed.status == 2 and killed.claimed_by.startswith(language), killed
    assert client.claim_task("rescuer", type_pattern="example.sleep") is None, "the lease is still running"

    # Nobody claims: the reaper alone brings the task back, within the lease plus one reaper interval.
    wait_for(lambda: client.get_task(task_id).status == 1, timeout=10, step=0.02)
    elapsed = time.monotonic() - killed_at
    assert elapsed <= LEASE_SECONDS + REAPER_INTERVAL_MS / 1000 + 0.5, elapsed
    history = client.get_task_history(task_id)
    assert history[-1].status_change == "lease_expired"
    assert history[-1].worker_id == killed.claimed_by

    again = client.claim_task("rescuer", type_pattern="example.sleep")
    assert again is not None and again.id == task_id
    assert again.attempts == 2
