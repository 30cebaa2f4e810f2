"""A worker for a task type of your own: register its schema, give it a handler, run until idle."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taskmanager_client import TaskManagerWorker  # noqa: E402


def resize(task, worker):
    params = json.loads(task.params_json)
    worker.update_progress(task.id, 50, "resizing")
    return {"width": params["width"], "height": params["width"] * 3 // 4}


worker = TaskManagerWorker(os.environ.get("TASKMANAGER_SERVER", "127.0.0.1:7411"), "resizer-1",
                           type_pattern="images.%", register_examples=False, stop_when_idle=True)
worker.register_task_type("images.resize", "1.0.0", {"type": "object", "required": ["width"],
                                                     "properties": {"width": {"type": "integer"}}})
worker.register("images.resize", resize)
sys.exit(worker.run())
