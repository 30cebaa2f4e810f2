"""Python client library and worker for TaskManager (protocol: docs/protocol.md; workers: clients/EXAMPLES.md).

    from taskmanager_client import Client
    with Client("127.0.0.1:7411") as client:
        task = client.create_task("example.echo", {"message": "hi"}).task
"""
from .client import Client
from .errors import TaskManagerError
from .tls import TLSOptions
from .worker import TaskManagerWorker, TaskStopped

__all__ = ["Client", "TLSOptions", "TaskManagerError", "TaskManagerWorker", "TaskStopped"]
