"""The smallest useful worker: claims one example.echo task, reports 50 %, completes it, prints its id."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taskmanager_client import Client  # noqa: E402

WORKER_ID = "minimal-python"

with Client(os.environ.get("TASKMANAGER_SERVER", "127.0.0.1:7411")) as client:
    task = client.claim_task(WORKER_ID, type_pattern="example.echo")
    if task is None:
        print("nothing to claim", file=sys.stderr)
        sys.exit(1)
    params = json.loads(task.params_json)
    client.update_progress(task.id, WORKER_ID, 50, "half way")
    client.complete_task(task.id, WORKER_ID, {"echoed": params["message"]})
    print(task.id)
