"""`taskmanager work` and the Swift minimal worker against a real server (clients/EXAMPLES.md)."""
import json
import time

import pytest

from conftest import run_worker, summary
from examples_batch import TASK_TYPES


def wait_for(condition, timeout=30.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"condition not met within {timeout} s")


def test_swift_worker_registers_the_example_types_of_task_types_json(server):
    result = run_worker("swift", server, "--stop-when-idle", "--poll-interval", "0.1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout) == (0, 0)
    for expected in json.loads(TASK_TYPES.read_text()):
        registered = server.client.get_task_type(expected["name"])
        assert registered.version == expected["version"]
        assert json.loads(registered.param_schema_json) == expected["param_schema"]


def test_swift_worker_exits_1_when_the_server_is_unreachable(server):
    server.stop()
    result = run_worker("swift", server, "--stop-when-idle")
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary(result.stdout) == (0, 0)
