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


class TaskStopped(Exception):
    """Raised inside a handler (by `worker.update_progress`, `worker.sleep` and `worker.check_stop`) when its task
    should stop: `reason` is "cancelled" (an operator cancelled it: the worker ends it cancelled) or "lease lost"
    (the server gave it to another attempt: the worker drops the result)."""

    def __init__(self, reason):
        super().__init__(f"Task {reason}")
        self.reason = reason


# Answers that say this worker no longer holds the task.
_LOST_CLAIM_MESSAGES = {"Lease lost", "Task is not in claimed state", "Task is already finished"}
_NOT_FOUND, _FAILED_PRECONDITION, _PERMISSION_DENIED, _UNAVAILABLE = 5, 9, 7, 14
# The longest one claim waits on the server, so that SIGTERM and SIGINT are noticed within it.
_MAX_CLAIM_WAIT_MS = 2000


def _lost_claim(error):
    return error.code in (_NOT_FOUND, _PERMISSION_DENIED) or (
        error.code == _FAILED_PRECONDITION and error.message in _LOST_CLAIM_MESSAGES)


class _Claim:
    """A running task: its attempt, and whether (and why) its handler should stop."""

    def __init__(self, task):
        self.task = task
        self.attempt = task.attempts
        self.reason = None
        self.stop = threading.Event()
        self.done = threading.Event()

    def cancel(self):
        if self.reason is None:
            self.reason = "cancelled"
        self.stop.set()

    def lose(self):
        self.reason = "lease lost"
        self.stop.set()


class TaskManagerWorker:
    """Claims tasks and runs the registered handler of each task's type.

    A handler is called as handler(task, worker) with the claimed Task message; what it returns is the task's
    result (sent as JSON); an exception it raises fails the task with the exception's message.

    While a handler runs, the worker renews the task's lease with Heartbeat every third of the lease, and every
    call about the task carries the claim's attempt. A cancel request or a lost lease (learned from a heartbeat
    or a progress reply) makes `update_progress`, `sleep` and `check_stop` raise TaskStopped in the handler
    (`should_stop` says so without raising): a cancelled task is then failed, which the server records as
    cancelled, and the result of a task whose lease was lost is dropped. Python cannot interrupt a handler
    that does neither: it then runs to its end, and only its result is dropped or its task cancelled.

    Args:
        server: "HOST:PORT" of the server.
        worker_id: the id claims are held under; None = `python-worker-<hostname>-<pid>`.
        task_type_ids: claim these type ids, one ClaimTask per id in turn, instead of `type_pattern`.
        type_pattern: SQL LIKE pattern on the type name; None = "example.%".
        poll_interval: seconds to sleep when nothing is claimable and claims do not wait; errors wait twice.
        max_runs: stop after handling this many tasks (completed or failed); 0 = no limit.
        api_key: sent as metadata x-api-key.
        stop_when_idle: stop as soon as a claim finds nothing.
        register_examples: register the five example task types on the server when run() starts.
        concurrency: tasks run at once, each on its own thread.
        wait_ms: how long a claim waits on the server for a task (a long poll, in claims of at most 2 s so
            that a signal is noticed promptly); 0 = no wait. Not with several task_type_ids or stop_when_idle.
        heartbeat_interval: seconds between heartbeats; None = a third of the lease the claim granted.
        tls: a TLSOptions to connect with TLS; None = plaintext.
    """

    def __init__(self, server=DEFAULT_SERVER, worker_id=None, task_type_ids=None, type_pattern=None,
                 poll_interval=10.0, max_runs=0, api_key=None, stop_when_idle=False, register_examples=True,
                 concurrency=1, wait_ms=20000, heartbeat_interval=None, tls=None):
        self.server = server
        self.worker_id = worker_id or default_worker_id()
        self.task_type_ids = list(task_type_ids or [])
        self.type_pattern = type_pattern or DEFAULT_TYPE_PATTERN
        self.poll_interval = poll_interval
        self.max_runs = max_runs
        self.stop_when_idle = stop_when_idle
        self.register_examples = register_examples
        self.concurrency = max(1, concurrency)
        self.wait_ms = wait_ms
        self.heartbeat_interval = heartbeat_interval
        self.client = Client(server, api_key=api_key, tls=tls)
        self.handlers = {}
        self.processed = 0
        self.failed = 0
        self._claimed = 0
        self._claims = {}
        self._lock = threading.Lock()
        self._next_type_index = 0
        self._stopping = False

    def register(self, type_name, handler):
        """Makes `handler(task, worker) -> result` handle the tasks of type `type_name`."""
        self.handlers[type_name] = handler

    def stop(self):
        """Asks run() to stop after the running tasks (what SIGTERM and SIGINT do)."""
        self._stopping = True

    # Calls on behalf of the handlers

    @property
    def _claims_wait(self):
        return self.wait_ms > 0 and not self.stop_when_idle and len(self.task_type_ids) <= 1

    def claim_task(self):
        """Claims the next task by type id (each configured id in turn) or by type pattern; None if none."""
        wait_ms = min(self.wait_ms, _MAX_CLAIM_WAIT_MS) if self._claims_wait else 0
        if not self.task_type_ids:
            return self.client.claim_task(self.worker_id, type_pattern=self.type_pattern, wait_ms=wait_ms)
        count = len(self.task_type_ids)
        for offset in range(count):
            with self._lock:
                # Starting one id further each time keeps a busy type from starving the others.
                type_id = self.task_type_ids[(self._next_type_index + offset) % count]
            task = self.client.claim_task(self.worker_id, task_type_id=type_id, wait_ms=wait_ms)
            if task is not None:
                with self._lock:
                    self._next_type_index = (self._next_type_index + offset + 1) % count
                return task
        return None

    def update_progress(self, task_id, progress, message=None):
        """Reports progress 0..100 with the claim's attempt. A failure is logged, never raised; but when the task
        should stop (a cancel request, a lost lease) this raises TaskStopped. Returns the response, or None."""
        claim = self._claims.get(task_id)
        response = None
        try:
            response = self.client.update_progress(task_id, self.worker_id, progress, message or "",
                                                   attempt=claim.attempt if claim else 0)
            if claim and response.cancel_requested:
                claim.cancel()
        except TaskManagerError as error:
            if claim and _lost_claim(error):
                claim.lose()
            log.warning("progress update of task %s failed: %s", task_id, error)
        except Exception as error:  # progress is advisory: it must never fail the task
            log.warning("progress update of task %s failed: %s", task_id, error)
        self.check_stop(task_id)
        return response

    def should_stop(self, task_id):
        """Whether the handler of `task_id` should stop: its cancel was requested or its lease was lost."""
        claim = self._claims.get(task_id)
        return claim is not None and claim.stop.is_set()

    def check_stop(self, task_id):
        """Raises TaskStopped when the handler of `task_id` should stop."""
        claim = self._claims.get(task_id)
        if claim is not None and claim.stop.is_set():
            raise TaskStopped(claim.reason)

    def sleep(self, task_id, seconds):
        """Sleeps `seconds`, or raises TaskStopped as soon as the task should stop."""
        claim = self._claims.get(task_id)
        if claim is None:
            time.sleep(seconds)
        elif claim.stop.wait(seconds):
            raise TaskStopped(claim.reason)

    def complete_task(self, task_id, result):
        """Completes a claimed task with `result` (any JSON value) → CompleteTaskResponse."""
        claim = self._claims.get(task_id)
        return self.client.complete_task(task_id, self.worker_id, result, attempt=claim.attempt if claim else 0)

    def fail_task(self, task_id, error):
        """Fails the current attempt of a claimed task → FailTaskResponse (`retried` if it goes back to pending)."""
        claim = self._claims.get(task_id)
        return self.client.fail_task(task_id, self.worker_id, error, attempt=claim.attempt if claim else 0)

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
            status = self._start() or self._run_slots()
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

    def _run_slots(self):
        if self.concurrency == 1:
            return self._loop()
        statuses = []
        threads = [threading.Thread(target=lambda: statuses.append(self._loop()), daemon=True)
                   for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            # Joined in slices: the main thread must keep running Python code for the signal handlers.
            while thread.is_alive():
                thread.join(_SLEEP_SLICE_SECONDS)
        return max(statuses, default=0)

    def _reserve_run(self):
        with self._lock:
            if self.max_runs and self._claimed >= self.max_runs:
                return False
            self._claimed += 1
            return True

    def _unreserve_run(self):
        with self._lock:
            self._claimed -= 1

    def _loop(self):
        errors = 0
        while not self._stopping:
            if not self._reserve_run():
                log.info("handled %d tasks: stopping", self.max_runs)
                break
            try:
                task = self.claim_task()
            except TaskManagerError as error:
                self._unreserve_run()
                errors += 1
                if self._gives_up(errors, error):
                    return 1
                continue
            errors = 0
            if task is None:
                self._unreserve_run()
                if self.stop_when_idle:
                    log.info("nothing to claim: stopping")
                    break
                if not self._claims_wait:
                    self._sleep(self.poll_interval)
                continue
            try:
                self._handle(task)
            except TaskManagerError as error:
                errors += 1
                if self._gives_up(errors, error):
                    return 1
        return 0

    def _gives_up(self, errors, error):
        """Logs a server error; True after 5 in a row, else waits twice the poll interval (at most 30 s)."""
        log.error("server error (%d in a row): %s", errors, error)
        if errors >= MAX_CONSECUTIVE_ERRORS:
            log.error("%d consecutive errors: giving up", errors)
            return True
        self._sleep(min(2 * self.poll_interval, MAX_ERROR_BACKOFF_SECONDS))
        return False

    def _handle(self, task):
        log.info("claimed task %d (%s, attempt %d/%d)", task.id, task.type, task.attempts, task.max_attempts)
        claim = _Claim(task)
        self._claims[task.id] = claim
        beats = threading.Thread(target=self._heartbeats, args=(claim,), daemon=True)
        beats.start()
        try:
            outcome = self._run_handler(task)
        finally:
            claim.done.set()
        try:
            self._report(task, claim, outcome)
        finally:
            del self._claims[task.id]

    def _run_handler(self, task):
        handler = self.handlers.get(task.type)
        if handler is None:
            return ("fail", f"Unknown task type: {task.type}")
        try:
            result = handler(task, self)
            # Encoded here, so that a handler's string result is a JSON string and a bad result fails the task.
            return ("complete", "" if result is None else json.dumps(result, ensure_ascii=False, allow_nan=False))
        except TaskStopped:
            return ("stopped", None)
        except Exception as error:  # any handler failure fails the task, not the worker
            return ("fail", str(error) or type(error).__name__)

    def _report(self, task, claim, outcome):
        kind, value = outcome
        with self._lock:
            self.processed += 1
            if kind != "complete":
                self.failed += 1
        try:
            if claim.reason == "lease lost":
                log.warning("task %d: lease lost, its result is dropped", task.id)
            elif kind == "complete":
                self._retrying(lambda: self.complete_task(task.id, value))
                log.info("completed task %d", task.id)
            elif claim.reason == "cancelled":
                message = self._cancel_message(task.id)
                self._retrying(lambda: self.fail_task(task.id, message))
                log.info("cancelled task %d", task.id)
            else:
                response = self._retrying(lambda: self.fail_task(task.id, value))
                log.info("failed task %d%s: %s", task.id, " (will be retried)" if response.retried else "", value)
        except TaskManagerError as error:
            if not _lost_claim(error):
                raise
            log.warning("task %d: %s, its result is dropped", task.id, error.message)

    def _cancel_message(self, task_id):
        """The error a cancelled task is failed with: `Cancelled: <the reason given to CancelTask>`."""
        try:
            reason = self.client.get_task(task_id).cancel_reason
        except TaskManagerError:
            reason = ""
        return f"Cancelled: {reason}" if reason else "Cancelled"

    def _retrying(self, call):
        """Runs `call`, and again (up to 3 times, 1 s apart) after UNAVAILABLE: safe for the outcome calls,
        which carry the attempt, so a repeat of one that was applied is refused."""
        for tries in range(4):
            try:
                return call()
            except TaskManagerError as error:
                if error.code != _UNAVAILABLE or tries == 3:
                    raise
                log.warning("%s; trying again", error)
                time.sleep(1)

    def _heartbeats(self, claim):
        task = claim.task
        lease_ms = task.lease_expires_at_ms - task.claimed_at_ms
        interval = self.heartbeat_interval or (max(lease_ms / 3000, 0.1) if lease_ms > 0 else 10.0)
        while not claim.done.wait(interval):
            try:
                response = self.client.heartbeat(task.id, self.worker_id, attempt=claim.attempt)
                if response.cancel_requested:
                    claim.cancel()
            except TaskManagerError as error:
                if _lost_claim(error):
                    log.warning("task %d: %s", task.id, error.message)
                    claim.lose()
                    return
                # The next beat may get through (the client reconnects); the lease still has two thirds left.
                log.warning("heartbeat of task %d failed: %s", task.id, error)

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
        log.info("%s: stopping after the running tasks", signal.Signals(number).name)
        self._stopping = True
