"""Workers that use the whole protocol: heartbeats, attempts, cancel, long-poll claims, concurrency, reconnects.

Real server (leases of 2 s, checked every 0.2 s: see conftest), real worker processes. The languages listed in
FULL_PROTOCOL implement clients/EXAMPLES.md's "Leases, attempts and cancel"; the others join the list as they do.
"""
import re
import signal
import subprocess
import time

import pytest

from conftest import LEASE_SECONDS, TASKMANAGER, clean_environment, start_server, start_worker, summary
from examples_batch import register_examples

PENDING, CLAIMED, COMPLETED, FAILED, CANCELLED = 1, 2, 3, 4, 5
FULL_PROTOCOL = ["swift", "python", "php", "c"]
NO_REGISTER = ("--no-register", "--poll-interval", "0.2")


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def changes(client, task_id):
    return [entry.status_change for entry in client.get_task_history(task_id)]


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def workers():
    started = []
    yield started
    for process in started:
        stop(process)


@pytest.mark.parametrize("language", FULL_PROTOCOL)
def test_a_handler_running_three_leases_keeps_its_task(server, workers, language, tmp_path):
    register_examples(server.client)
    first = start_worker(language, server, *NO_REGISTER, "--worker-id", "first", log=tmp_path / "first.log")
    workers.append(first)
    seconds = 3 * LEASE_SECONDS
    task_id = server.client.create_task("example.sleep", {"seconds": seconds, "steps": 1}).task.id
    wait_for(lambda: server.client.get_task(task_id).status == CLAIMED, 10, "the first worker's claim")
    second = start_worker(language, server, *NO_REGISTER, "--worker-id", "second", log=tmp_path / "second.log")
    workers.append(second)

    task = wait_for(lambda: (t := server.client.get_task(task_id)).status == COMPLETED and t, seconds + 10, "completion")
    assert task.claimed_by == "first"
    assert task.attempts == 1
    history = changes(server.client, task_id)
    assert history.count("claimed") == 1, history
    assert "lease_expired" not in history
    assert history.count("completed") == 1


@pytest.mark.parametrize("language", FULL_PROTOCOL)
def test_a_worker_paused_past_its_lease_loses_the_task_to_the_other(server, workers, language, tmp_path):
    register_examples(server.client)
    paused_log = tmp_path / "paused.log"
    paused = start_worker(language, server, *NO_REGISTER, "--worker-id", "paused", log=paused_log)
    workers.append(paused)
    task_id = server.client.create_task("example.sleep", {"seconds": 3, "steps": 1}).task.id
    wait_for(lambda: server.client.get_task(task_id).status == CLAIMED, 10, "the claim")
    paused.send_signal(signal.SIGSTOP)
    other = start_worker(language, server, *NO_REGISTER, "--worker-id", "other", log=tmp_path / "other.log")
    workers.append(other)
    wait_for(lambda: server.client.get_task(task_id).claimed_by == "other", LEASE_SECONDS + 10, "the other's claim")
    paused.send_signal(signal.SIGCONT)

    task = wait_for(lambda: (t := server.client.get_task(task_id)).status == COMPLETED and t, 20, "completion")
    assert task.claimed_by == "other"
    history = changes(server.client, task_id)
    assert history.count("lease_expired") == 1, history
    assert history.count("completed") == 1, history
    # The resumed worker learns it lost the lease, and drops its result.
    wait_for(lambda: "dropped" in paused_log.read_text(), 10, "the paused worker to drop its result")
    assert re.search(r"Lease lost|not in claimed state", paused_log.read_text())


@pytest.mark.parametrize("language", FULL_PROTOCOL)
def test_cancel_stops_a_running_handler(server, workers, language, tmp_path):
    register_examples(server.client)
    workers.append(start_worker(language, server, *NO_REGISTER, log=tmp_path / "worker.log"))
    task_id = server.client.create_task("example.sleep", {"seconds": 60, "steps": 1}).task.id
    wait_for(lambda: server.client.get_task(task_id).status == CLAIMED, 10, "the claim")
    subprocess.run([str(TASKMANAGER), "cancel", str(task_id), "--server", server.address, "--reason", "not needed"],
                   check=True, capture_output=True, env=clean_environment())
    cancelled_at = time.monotonic()

    # Within one heartbeat interval (a third of the lease; whole seconds for PHP's alarm), plus the round trips.
    task = wait_for(lambda: (t := server.client.get_task(task_id)).status == CANCELLED and t, LEASE_SECONDS, "cancelled")
    elapsed = time.monotonic() - cancelled_at
    print(f"cancel → cancelled: {elapsed:.3f} s")
    assert elapsed < 1.5
    assert "cancelled" in changes(server.client, task_id)
    assert task.attempts == 1
    assert task.error_message == "Cancelled: not needed"


@pytest.mark.parametrize("language", FULL_PROTOCOL)
def test_an_idle_worker_takes_a_new_task_at_once(server, workers, language, tmp_path):
    register_examples(server.client)
    workers.append(start_worker(language, server, "--no-register", "--poll-interval", "10", log=tmp_path / "worker.log"))
    # Let the worker reach its waiting claim.
    time.sleep(1.0)
    delays = []
    for index in range(3):
        task_id = server.client.create_task("example.echo", {"message": f"now {index}"}).task.id
        task = wait_for(lambda: (t := server.client.get_task(task_id)).status == COMPLETED and t, 5, "completion")
        delays.append(task.claimed_at_ms - task.created_at_ms)
    print(f"created → claimed: {delays} ms")
    assert max(delays) < 100, delays


@pytest.mark.parametrize("language", FULL_PROTOCOL)
def test_concurrency_runs_four_long_tasks_at_once(server, workers, language, tmp_path):
    register_examples(server.client)
    ids = [server.client.create_task("example.sleep", {"seconds": 2, "steps": 2, "n": n}).task.id for n in range(4)]
    started = time.monotonic()
    log = tmp_path / "worker.log"
    worker = start_worker(language, server, *NO_REGISTER, "--concurrency", "4", log=log)
    workers.append(worker)
    tasks = wait_for(lambda: (ts := [server.client.get_task(i) for i in ids]) and all(t.status == COMPLETED for t in ts) and ts,
                     15, "four completions")
    elapsed = time.monotonic() - started
    claimed = sorted(t.claimed_at_ms for t in tasks)
    assert claimed[-1] - claimed[0] < 1000, claimed
    assert elapsed < 2 * 2 + 2, elapsed
    # SIGTERM reaches every slot, and the worker reports all four.
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0, log.read_text()
    assert summary(log.read_text()) == (4, 0)


@pytest.mark.parametrize("language", FULL_PROTOCOL)
def test_workers_keep_working_across_a_server_restart(tmp_path, workers, language):
    first = start_server(tmp_path, "--claim-timeout", str(LEASE_SECONDS), "--reaper-interval-ms", "200")
    port = first.address.rsplit(":", 1)[1]
    register_examples(first.client)
    # Errors back off twice the poll interval and 5 in a row end a worker (clients/EXAMPLES.md): with 1 s, the
    # workers outlast a restart of up to about 10 s.
    for index in range(2):
        workers.append(start_worker(language, first, "--no-register", "--poll-interval", "1",
                                    "--worker-id", f"w{index}", log=tmp_path / f"w{index}.log"))
    before = [first.client.create_task("example.echo", {"message": f"before {n}"}).task.id for n in range(5)]
    wait_for(lambda: all(first.client.get_task(i).status == COMPLETED for i in before), 10, "the first batch")
    first.stop()
    time.sleep(0.5)
    second = start_server(tmp_path, "--port", port, "--claim-timeout", str(LEASE_SECONDS), "--reaper-interval-ms", "200")
    try:
        after = [second.client.create_task("example.echo", {"message": f"after {n}"}).task.id for n in range(10)]
        wait_for(lambda: all(second.client.get_task(i).status == COMPLETED for i in after), 20, "the batch after the restart")
        for task_id in before + after:
            history = changes(second.client, task_id)
            assert history.count("claimed") == 1 and history.count("completed") == 1, (task_id, history)
        assert all(process.poll() is None for process in workers), "every worker is still running"
    finally:
        second.stop()
