"""The C worker (clients/c) against a real server: the example batch, the minimal worker, SIGTERM, a clean build."""
import json
import signal
import subprocess
import time

from conftest import ROOT, run_worker, start_worker, summary
from examples_batch import batch_size, check_batch, create_batch, register_examples


def wait_for_status(client, task_id, status, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get_task(task_id).status == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not reach status {status}: {client.get_task(task_id)}")


def test_c_worker_processes_every_example_type(server):
    created = create_batch(server.client, "c")

    result = run_worker("c", server, "--stop-when-idle", "--poll-interval", "0.1")

    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (batch_size(created), 4)
    check_batch(server.client, created, "c")


def test_c_minimal_worker_completes_one_echo_task(server):
    register_examples(server.client)
    task_id = server.client.create_task("example.echo", {"message": "hi from c"}).task.id

    result = run_worker("c", server, minimal=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(task_id)
    task = server.client.get_task(task_id)
    assert task.status == 3, task
    assert task.progress == 50
    assert json.loads(task.result_json) == {"echoed": "hi from c"}
    messages = [e.message for e in server.client.get_task_history(task_id) if e.status_change == "progress_update"]
    assert messages == ["Progress: 50% - half way"]


def test_c_worker_finishes_its_task_on_sigterm(server, tmp_path):
    register_examples(server.client)
    task_id = server.client.create_task("example.sleep", {"seconds": 2, "steps": 4}).task.id
    log = tmp_path / "worker.log"

    worker = start_worker("c", server, "--poll-interval", "0.1", log=log)
    try:
        wait_for_status(server.client, task_id, 2)  # claimed
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    task = server.client.get_task(task_id)
    assert task.status == 3, task
    assert json.loads(task.result_json) == {"slept": 2, "steps": 4}
    assert summary(log.read_text()) == (1, 0)


def test_c_worker_builds_without_warnings():
    build = subprocess.run(["make", "-C", str(ROOT / "clients" / "c"), "clean", "all"],
                           capture_output=True, text=True, timeout=300)

    assert build.returncode == 0, build.stdout + build.stderr
    assert "warning" not in (build.stdout + build.stderr).lower()
