"""The C worker (clients/c) against a real server: the example batch, the minimal worker, SIGTERM, a clean build."""
import subprocess
import time

from conftest import ROOT


def wait_for_status(client, task_id, status, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get_task(task_id).status == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not reach status {status}: {client.get_task(task_id)}")


def test_c_worker_builds_without_warnings():
    build = subprocess.run(["make", "-C", str(ROOT / "clients" / "c"), "clean", "all"],
                           capture_output=True, text=True, timeout=300)

    assert build.returncode == 0, build.stdout + build.stderr
    assert "warning" not in (build.stdout + build.stderr).lower()
