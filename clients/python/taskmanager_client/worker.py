"""TaskManagerWorker: the claim → handle → complete/fail loop of clients/EXAMPLES.md."""
import json
import logging
import os
import signal
import socket
import threading
import time

from .client import DEFAULT_SERVER, Client
from .errors import TaskManagerError
from .handlers import EXAMPLE_TASK_TYPES

log = logging.getLogger(__name__)

DEFAULT_TYPE_PATTERN = "example.%"
MAX_CONSECUTIVE_ERRORS = 5
MAX_ERROR_BACKOFF_SECONDS = 30.0
# Sleeps are cut into slices this long so that SIGTERM and SIGINT are noticed promptly.
_SLEEP_SLICE_SECONDS = 0.1


def default_worker_id(language="python"):
    """`<language>-worker-<hostname>-<pid>`."""
    return f"{language}-worker-{socket.gethostname()}-{os.getpid()}"


class TaskManagerWorker:
    """Claims tasks and runs the registered handler of each task's type.

    A handler is called as handler(task, worker) with the claimed Task message; what it returns is the task's
    result (sent as JSON); an exception it raises fails the task with the exception's message.

    Args:
        server: "HOST:PORT" of the server.
        worker_id: the id claims are held under; None = `python-worker-<hostname>-<pid>`.
        task_type_ids: claim these type ids, one ClaimTask per id in turn, instead of `type_pattern`.
        type_pattern: SQL LIKE pattern on the type name; None = "example.%".
        poll_interval: seconds to sleep when nothing is claimable.
        max_runs: stop after handling this many tasks (completed or failed); 0 = no limit.
        api_key: sent as metadata x-api-key.
        stop_when_idle: stop as soon as a claim finds nothing.
        register_examples: register the five example task types on the server when run() starts.
    """

    def __init__(self, server=DEFAULT_SERVER, worker_id=None, task_type_ids=None, type_pattern=None,
                 poll_interval=10.0, max_runs=0, api_key=None, stop_when_idle=False, register_examples=True):
        self.server = server
        self.worker_id = worker_id or default_worker_id()
        self.task_type_ids = list(task_type_ids or [])
        self.type_pattern = type_pattern or DEFAULT_TYPE_PATTERN
        self.poll_interval = poll_interval
        self.max_runs = max_runs
        self.stop_when_idle = stop_when_idle
        self.register_examples = register_examples
        self.client = Client(server, api_key=api_key)
        self.handlers = {}
        self.processed = 0
        self.failed = 0
        self._next_type_index = 0
        self._stopping = False

    def register(self, type_name, handler):
        """Makes `handler(task, worker) -> result` handle the tasks of type `type_name`."""
        self.handlers[type_name] = handler

    def stop(self):
        """Asks run() to stop after the current task (what SIGTERM and SIGINT do)."""
        self._stopping = True

    # Calls on behalf of the handlers

    def claim_task(self):
        """Claims the next task by type id (each configured id in turn) or by type pattern; None if none."""
        if not self.task_type_ids:
            return self.client.claim_task(self.worker_id, type_pattern=self.type_pattern)
        count = len(self.task_type_ids)
        for offset in range(count):
            # Starting one id further each time keeps a busy type from starving the others.
            type_id = self.task_type_ids[(self._next_type_index + offset) % count]
            task = self.client.claim_task(self.worker_id, task_type_id=type_id)
            if task is not None:
                self._next_type_index = (self._next_type_index + offset + 1) % count
                return task
        return None

    def update_progress(self, task_id, progress, message=None):
        """Reports progress 0..100; a failure is logged, never raised. Returns the response, or None."""
        try:
            return self.client.update_progress(task_id, self.worker_id, progress, message or "")
        except Exception as error:  # progress is advisory: it must never fail the task
            log.warning("progress update of task %s failed: %s", task_id, error)
            return None

    def complete_task(self, task_id, result):
        """Completes a claimed task with `result` (any JSON value) → CompleteTaskResponse."""
        return self.client.complete_task(task_id, self.worker_id, result)

    def fail_task(self, task_id, error):
        """Fails the current attempt of a claimed task → FailTaskResponse (`retried` if it goes back to pending)."""
        return self.client.fail_task(task_id, self.worker_id, error)

    def create_task(self, type, params, priority=0):
        """Creates a task (for example a subtask) → CreateTaskResponse."""
        return self.client.create_task(type, params, priority=priority)

    def register_task_type(self, name, version, schema):
        """Creates or updates a task type → RegisterTaskTypeResponse."""
        return self.client.register_task_type(name, version, schema)

    # The loop

    def run(self):
        """Runs until max_runs, idleness (with stop_when_idle), SIGTERM/SIGINT or 5 consecutive errors.

        Prints `processed=N failed=M` on standard output at the end. Returns the exit status: 0, or 1 when
        the start-up checks fail or the worker gave up after 5 consecutive errors.
        """
        previous_handlers = self._install_signal_handlers()
        try:
            status = self._start() or self._loop()
        finally:
            self._restore_signal_handlers(previous_handlers)
            self.client.close()
        print(f"processed={self.processed} failed={self.failed}", flush=True)
        return status

    def _start(self):
        source = f"type ids {self.task_type_ids}" if self.task_type_ids else f"pattern {self.type_pattern!r}"
        log.info("worker %s: server %s, claiming by %s", self.worker_id, self.server, source)
        try:
            health = self.client.health()
        except TaskManagerError as error:
            log.error("health check failed: %s", error)
            return 1
        if health.status != "healthy":
            log.error("server is %s (database %s)", health.status, health.database)
            return 1
        if self.register_examples:
            try:
                for task_type in EXAMPLE_TASK_TYPES:
                    self.register_task_type(task_type["name"], task_type["version"], task_type["param_schema"])
            except TaskManagerError as error:
                log.error("registering the example task types failed: %s", error)
                return 1
        return 0

    def _loop(self):
        consecutive_errors = 0
        while not self._stopping:
            if self.max_runs and self.processed >= self.max_runs:
                log.info("handled %d tasks: stopping", self.processed)
                break
            try:
                task = self.claim_task()
                consecutive_errors = 0
                if task is None:
                    if self.stop_when_idle:
                        log.info("nothing to claim: stopping")
                        break
                    self._sleep(self.poll_interval)
                    continue
                self._handle(task)
            except TaskManagerError as error:
                consecutive_errors += 1
                log.error("server error (%d in a row): %s", consecutive_errors, error)
                if consecutive_errors >= MAX_CONSECUTIVE_ERRORS:
                    log.error("%d consecutive errors: giving up", consecutive_errors)
                    return 1
                self._sleep(min(2 * self.poll_interval, MAX_ERROR_BACKOFF_SECONDS))
        return 0

    def _handle(self, task):
        log.info("claimed task %d (%s, attempt %d/%d)", task.id, task.type, task.attempts, task.max_attempts)
        handler = self.handlers.get(task.type)
        if handler is None:
            self._fail(task, f"Unknown task type: {task.type}")
            return
        try:
            result = handler(task, self)
            # Encoded here, so that a handler's string result is a JSON string and a bad result fails the task.
            result_json = "" if result is None else json.dumps(result, ensure_ascii=False, allow_nan=False)
        except Exception as error:  # any handler failure fails the task, not the worker
            self._fail(task, str(error) or type(error).__name__)
            return
        self.complete_task(task.id, result_json)
        self.processed += 1
        log.info("completed task %d", task.id)

    def _fail(self, task, error):
        response = self.fail_task(task.id, error)
        self.processed += 1
        self.failed += 1
        log.info("failed task %d%s: %s", task.id, " (will be retried)" if response.retried else "", error)

    def _sleep(self, seconds):
        deadline = time.monotonic() + seconds
        while not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(remaining, _SLEEP_SLICE_SECONDS))

    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return {}  # signal handlers can only be installed from the main thread
        previous = {}
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, self._on_signal)
        return previous

    def _restore_signal_handlers(self, previous):
        for number, handler in previous.items():
            signal.signal(number, handler)

    def _on_signal(self, number, frame):
        log.info("%s: stopping after the current task", signal.Signals(number).name)
        self._stopping = True
