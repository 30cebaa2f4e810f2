"""The custom task type example of docs/workers.md registers its type and handles its tasks."""
import json
import subprocess

from conftest import ROOT, clean_environment


def test_custom_task_type_example_handles_its_tasks(server):
    client = server.client
    client.register_task_type("images.resize", "0.9.0", {"type": "object"})
    task_id = client.create_task("images.resize", {"width": 640}).task.id
    result = subprocess.run(
        ["/usr/bin/python3", str(ROOT / "clients" / "python" / "examples" / "custom_task_type.py")],
        capture_output=True, text=True, timeout=60, env=clean_environment(TASKMANAGER_SERVER=server.address))
    assert result.returncode == 0, result.stderr
    task = client.get_task(task_id)
    assert task.status == 3, task
    assert json.loads(task.result_json) == {"width": 640, "height": 480}
    assert client.get_task_type("images.resize").version == "1.0.0"
    assert "Progress: 50% - resizing" in [e.message for e in client.get_task_history(task_id)]
