"""One batch of every example task type, and the checks of what a worker must have done with it."""
import json
from pathlib import Path

TASK_TYPES = Path(__file__).resolve().parents[1] / "examples" / "task_types.json"


def register_examples(client):
    """Registers the five example task types of clients/examples/task_types.json."""
    for task_type in json.loads(TASK_TYPES.read_text()):
        client.register_task_type(task_type["name"], task_type["version"], task_type["param_schema"])


def create_batch(client, tag):
    """Creates two tasks of every example type (params made unique by `tag`); returns {type: [task ids]}."""
    register_examples(client)
    created = {}

    def create(type_name, params, **options):
        response = client.create_task(type_name, params, **options)
        created.setdefault(type_name, []).append(response.task.id)

    for n in range(2):
        create("example.echo", {"message": f"hello {tag} {n}"})
        create("example.uppercase", {"text": f"abc-{tag}-{n}-é"})
        create("example.math.add", {"a": 15 + n, "b": 27.5})
        create("example.sleep", {"seconds": 0.2, "steps": 4, "tag": f"{tag}-{n}"})
        create("example.error", {"message": f"boom {tag} {n}"}, max_attempts=2)
    return created


def check_batch(client, created, tag):
    """Asserts final statuses, results and history of a batch made by `create_batch`."""
    for n, task_id in enumerate(created["example.echo"]):
        task = client.get_task(task_id)
        assert task.status == 3, task  # completed
        assert json.loads(task.result_json) == {"echoed": f"hello {tag} {n}"}
    for n, task_id in enumerate(created["example.uppercase"]):
        task = client.get_task(task_id)
        assert task.status == 3, task
        assert json.loads(task.result_json) == {"result": f"ABC-{tag.upper()}-{n}-é"}
    for n, task_id in enumerate(created["example.math.add"]):
        task = client.get_task(task_id)
        assert task.status == 3, task
        assert json.loads(task.result_json)["sum"] == 42.5 + n
    for task_id in created["example.sleep"]:
        task = client.get_task(task_id)
        assert task.status == 3, task
        assert json.loads(task.result_json) == {"slept": 0.2, "steps": 4}
        assert task.progress == 100
        messages = [e.message for e in client.get_task_history(task_id) if e.status_change == "progress_update"]
        assert messages == [f"Progress: {p}% - Step {i}/4" for i, p in ((1, 25), (2, 50), (3, 75), (4, 100))]
    for n, task_id in enumerate(created["example.error"]):
        task = client.get_task(task_id)
        assert task.status == 4, task  # failed, after its retry
        assert task.attempts == 2
        assert task.error_message == f"Example error: boom {tag} {n}"
        changes = [e.status_change for e in client.get_task_history(task_id)]
        assert changes == ["created", "claimed", "retry", "claimed", "failed"], changes


def batch_size(created):
    """Tasks handled by workers for a batch: every task once, plus the retried attempt of each error task."""
    return sum(len(ids) for ids in created.values()) + len(created["example.error"])
