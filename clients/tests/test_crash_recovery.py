"""Crash recovery of the embedded SQLite store: a real `taskmanager serve` killed with SIGKILL mid-workload.

The store keeps pending and claimed tasks in memory over an event log (one appended history row per progress
report) and rebuilds that memory from the database when it starts. With the default `--durability full` a call
is answered only after its write is synced, so whatever a client saw acknowledged must survive a SIGKILL of the
server, and a call that was sent but not answered before the kill may or may not have been applied, but nothing
else may have happened.

The crash test keeps an exact model of every task, built only from acknowledged calls. After each restart it
resolves the calls that were in flight at the kill (at most one per worker thread) against what the recovered
server reports, requiring each to be either fully applied or not applied at all, and then compares every task
and its whole history with the model.

Set CRASH_RECOVERY_SEED to repeat a run's random choices (kill times, progress steps, complete/fail decisions);
the seed of a run is part of every failure message.
"""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import threading
import time

from conftest import TASKMANAGER, clean_environment, start_server
from taskmanager_client import Client, TaskManagerError
from taskmanager.v1 import task_service_pb2 as ts

PENDING, CLAIMED, COMPLETED, FAILED = 1, 2, 3, 4
STATUS_NAMES = {PENDING: "pending", CLAIMED: "claimed", COMPLETED: "completed", FAILED: "failed"}
PERMISSION_DENIED, FAILED_PRECONDITION, UNAVAILABLE = 7, 9, 14

TYPE = "crash.recovery"
THREADS = 4
ROUNDS = 4
MAX_ATTEMPTS = 4                # the type's setting; the server default stays 3, so a lost setting shows
LEASE_SECONDS = 300             # the type's setting; the server's --claim-timeout is 60, so a lost setting shows
TASKS_PER_THREAD_PER_ROUND = 500  # a bound on the workload loop; the kill comes long before it is reached
KILL_AFTER_SECONDS = (0.3, 1.5)
# Retries are claimable at once (so attempts 2..4 happen), nothing stalls, and leases outlive the test.
SERVER_OPTIONS = ("--claim-timeout", "60", "--retry-backoff-base-ms", "0", "--stall-after", "0")


# Calls that take `attempt`, which the Python client's helpers do not pass.

def register_type(client):
    request = ts.RegisterTaskTypeRequest(
        name=TYPE, version="1", param_schema_json='{"type": "object"}',
        settings=ts.TaskTypeSettings(lease_seconds=LEASE_SECONDS, max_attempts=MAX_ATTEMPTS))
    return client._call("RegisterTaskType", request, ts.RegisterTaskTypeResponse).task_type


def update_progress(client, task_id, worker, progress, message, attempt):
    request = ts.UpdateProgressRequest(id=task_id, worker_id=worker, progress=progress, message=message,
                                       attempt=attempt)
    return client._call("UpdateProgress", request, ts.UpdateProgressResponse)


def complete_task(client, task_id, worker, result, attempt):
    request = ts.CompleteTaskRequest(id=task_id, worker_id=worker, result_json=json.dumps(result), attempt=attempt)
    return client._call("CompleteTask", request, ts.CompleteTaskResponse)


def fail_task(client, task_id, worker, error, attempt):
    request = ts.FailTaskRequest(id=task_id, worker_id=worker, error=error, attempt=attempt)
    return client._call("FailTask", request, ts.FailTaskResponse)


def progress_text(value, message):
    """The history message of a progress report (docs/protocol.md, "History labels")."""
    return f"Progress: {value}% - {message}" if message else f"Progress: {value}%"


# The model: what the acknowledged calls established.

class Attempt:
    """One claim of a task and what its worker did with it."""

    def __init__(self, worker):
        self.worker = worker
        self.progress = 0
        self.message = ""
        self.reports = []   # history texts of its progress reports, in order
        self.end = None     # None (still claimed), "completed", "retry" or "failed"
        self.error = ""
        self.result = None


class TaskModel:
    def __init__(self, task_id):
        self.id = task_id
        self.dedupe_key = None
        self.attempts = {}  # attempt number -> Attempt

    def state(self):
        """The task's observable fields as the model says they must be."""
        errors = [a.error for n, a in sorted(self.attempts.items()) if a.end in ("retry", "failed")]
        state = dict(status=PENDING, attempts=0, claimed_by="", progress=0, progress_message="",
                     error_message=errors[-1] if errors else "", result=None)
        if not self.attempts:
            return state
        number = max(self.attempts)
        top = self.attempts[number]
        state["attempts"] = number
        if top.end == "retry":
            return state
        state.update(status={None: CLAIMED, "completed": COMPLETED, "failed": FAILED}[top.end],
                     claimed_by=top.worker, progress=top.progress, progress_message=top.message, result=top.result)
        return state

    def expected_history(self):
        """(status_change, worker_id, message) of every history entry the task must have, oldest first."""
        entries = [("created", "", "Task created")]
        for number in sorted(self.attempts):
            attempt = self.attempts[number]
            entries.append(("claimed", attempt.worker, "Task claimed by worker"))
            entries += [("progress_update", attempt.worker, text) for text in attempt.reports]
            if attempt.end == "completed":
                entries.append(("completed", attempt.worker, "Task completed successfully"))
            elif attempt.end in ("retry", "failed"):
                entries.append((attempt.end, attempt.worker, f"Task failed: {attempt.error}"))
        return entries


class Model:
    def __init__(self):
        self.tasks = {}     # id -> TaskModel
        self.problems = []  # contradictions found while applying calls (double claims and the like)
        self.in_flight_applied = 0  # calls in flight at a kill that the restarted server shows as applied

    def task(self, task_id):
        return self.tasks.setdefault(task_id, TaskModel(task_id))

    def apply(self, op):
        """Applies one call that was acknowledged (or, after a restart, found to have been applied)."""
        task = self.task(op["task_id"])
        kind = op["kind"]
        if kind == "create":
            task.dedupe_key = op["dedupe_key"]
            return
        if kind == "claim":
            if op["attempt"] in task.attempts:
                self.problems.append(
                    f"task {task.id}: attempt {op['attempt']} claimed twice, by "
                    f"{task.attempts[op['attempt']].worker} and by {op['worker']}")
            task.attempts[op["attempt"]] = Attempt(op["worker"])
            return
        attempt = task.attempts.get(op["attempt"])
        if attempt is None or attempt.worker != op["worker"]:
            self.problems.append(f"task {task.id}: {kind} by {op['worker']} for attempt {op['attempt']}, "
                                 f"which the model has as claimed by {attempt.worker if attempt else 'nobody'}")
            return
        if kind == "progress":
            attempt.progress, attempt.message = op["value"], op["message"]
            attempt.reports.append(progress_text(op["value"], op["message"]))
        elif kind == "complete":
            attempt.end, attempt.result = "completed", op["result"]
        elif kind == "fail":
            attempt.end, attempt.error = ("retry" if op["attempt"] < MAX_ATTEMPTS else "failed"), op["error"]


def applied_to_state(state, op):
    """The state after an in-flight progress, complete or fail call of the holder had been applied."""
    after = dict(state)
    if op["kind"] == "progress":
        after.update(progress=op["value"], progress_message=op["message"])
    elif op["kind"] == "complete":
        after.update(status=COMPLETED, result=op["result"])
    elif op["kind"] == "fail":
        after["error_message"] = op["error"]
        if op["attempt"] < MAX_ATTEMPTS:
            after.update(status=PENDING, claimed_by="", progress=0, progress_message="")
        else:
            after["status"] = FAILED
    return after


def observed_state(task):
    return dict(status=task.status, attempts=task.attempts, claimed_by=task.claimed_by, progress=task.progress,
                progress_message=task.progress_message, error_message=task.error_message,
                result=json.loads(task.result_json) if task.result_json else None)


def describe(state):
    return {**state, "status": STATUS_NAMES.get(state["status"], state["status"])}


# The workload.

class Journal:
    """What the worker threads of one round saw: acknowledged calls in the order their answers arrived, the calls
    in flight when the server died, and anything unexpected."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = []
        self.in_doubt = []
        self.errors = []
        self.killed = threading.Event()  # set just before the SIGKILL


class StopWorker(Exception):
    pass


def run_worker_thread(index, round_number, address, type_id, held, seed, journal):
    """One worker: create a task, claim one, report progress 1-3 times, complete or fail it; again and again.

    A worker that held a claim when the server was killed first carries on with it. Every call is journaled as
    acknowledged only once its answer arrived.
    """
    worker = f"worker-{index}"
    rng = random.Random(f"{seed}-{round_number}-{index}")
    client = Client(address, timeout=10)

    def call(op, send):
        try:
            response = send()
        except TaskManagerError as error:
            if not journal.killed.is_set():
                with journal.lock:
                    journal.errors.append(f"{worker}: {op} failed before the kill: {error!r}")
            elif not (error.code == UNAVAILABLE and error.message.startswith("Cannot connect")):
                # Sent, or maybe sent, and not answered: may or may not have been applied.
                with journal.lock:
                    journal.in_doubt.append(op)
            raise StopWorker from None
        return response

    def acknowledge(op):
        with journal.lock:
            journal.acked.append(op)

    def problem(text):
        with journal.lock:
            journal.errors.append(f"{worker}: {text}")

    current = held.get(worker)  # (task id, attempt, progress)
    try:
        for n in range(TASKS_PER_THREAD_PER_ROUND):
            if journal.killed.is_set():
                break
            if current is None:
                key = f"r{round_number}-{worker}-n{n}"
                op = dict(kind="create", worker=worker, dedupe_key=key)
                response = call(op, lambda: client.create_task(TYPE, {"round": round_number, "n": n},
                                                               dedupe_key=key))
                acknowledge({**op, "task_id": response.task.id})
                if response.deduplicated or response.task.status != PENDING or response.task.max_attempts != MAX_ATTEMPTS:
                    problem(f"create {key} answered {response}")
                op = dict(kind="claim", worker=worker)
                task = call(op, lambda: client.claim_task(worker, task_type_id=type_id))
                if task is None:
                    continue  # the other threads took every pending task
                acknowledge({**op, "task_id": task.id, "attempt": task.attempts})
                if (task.status, task.claimed_by, task.progress, task.progress_message) != (CLAIMED, worker, 0, ""):
                    problem(f"claim answered {task}")
                if task.lease_expires_at_ms - task.claimed_at_ms != LEASE_SECONDS * 1000:
                    problem(f"claim of task {task.id} got a lease of {task.lease_expires_at_ms - task.claimed_at_ms} ms")
                current = (task.id, task.attempts, 0)
            task_id, attempt, progress = current
            for step in range(rng.randint(1, 3)):
                progress = min(100, progress + rng.randint(1, 25))
                message = f"r{round_number} {worker} t{task_id} a{attempt} n{n} s{step}"
                op = dict(kind="progress", worker=worker, task_id=task_id, attempt=attempt, value=progress,
                          message=message)
                response = call(op, lambda: update_progress(client, task_id, worker, progress, message, attempt))
                acknowledge(op)
                if response.progress != progress:
                    problem(f"progress {progress} of task {task_id} answered {response}")
            if rng.random() < 0.6:
                result = {"worker": worker, "attempt": attempt, "round": round_number}
                op = dict(kind="complete", worker=worker, task_id=task_id, attempt=attempt, result=result)
                response = call(op, lambda: complete_task(client, task_id, worker, result, attempt))
                if response.task.status != COMPLETED:
                    problem(f"complete of task {task_id} answered {response}")
            else:
                error = f"boom r{round_number} {worker} t{task_id} a{attempt}"
                op = dict(kind="fail", worker=worker, task_id=task_id, attempt=attempt, error=error)
                response = call(op, lambda: fail_task(client, task_id, worker, error, attempt))
                if response.retried != (attempt < MAX_ATTEMPTS):
                    problem(f"fail of task {task_id} attempt {attempt} answered retried={response.retried}")
            acknowledge(op)
            current = None
    except StopWorker:
        pass
    except Exception as error:  # noqa: BLE001 - reported by the main thread
        problem(f"crashed: {error!r}")
    finally:
        client.close()


def run_until_killed(server, round_number, type_id, held, seed, rng):
    """Runs the workload from THREADS threads and SIGKILLs the server at a random moment; returns the journal."""
    journal = Journal()
    threads = [threading.Thread(target=run_worker_thread, name=f"crash-worker-{i}", daemon=True,
                                args=(i, round_number, server.address, type_id, held, seed, journal))
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(*KILL_AFTER_SECONDS))
    journal.killed.set()
    server.process.kill()
    server.process.wait()
    server.client.close()
    for thread in threads:
        thread.join(timeout=20)
        assert not thread.is_alive(), f"{thread.name} did not stop after the kill"
    return journal


# The checks after a restart.

def list_all_tasks(client):
    tasks, offset = {}, 0
    while True:
        page = client.list_tasks(type=TYPE, limit=1000, offset=offset)
        tasks.update((task.id, task) for task in page.tasks)
        offset += page.count
        if page.count == 0 or offset >= page.total:
            return tasks


def check_recovered(server, model, journal, context):
    """Resolves the calls in flight at the kill, then compares every task and its history with the model.

    Returns the problems found (empty when the recovered server agrees with the model).
    """
    client = server.client
    problems = [f"unexpected during the workload: {error}" for error in journal.errors]
    for op in journal.acked:
        model.apply(op)

    listed = list_all_tasks(client)
    by_key = {task.dedupe_key: task for task in listed.values()}

    # A create in flight: the task exists (with its key) or not at all.
    for op in [op for op in journal.in_doubt if op["kind"] == "create"]:
        if op["dedupe_key"] in by_key:
            model.apply({**op, "task_id": by_key[op["dedupe_key"]].id})
            model.in_flight_applied += 1
    for task_id, task in listed.items():
        if task_id not in model.tasks:
            problems.append(f"task {task_id} (key {task.dedupe_key!r}) exists but no create of it was sent")
    for task_id, task in sorted(model.tasks.items()):
        if task_id not in listed:
            problems.append(f"task {task_id}, acknowledged, is missing after the restart")
        elif task.dedupe_key != listed[task_id].dedupe_key:
            problems.append(f"task {task_id}: dedupe key {listed[task_id].dedupe_key!r}, "
                            f"expected {task.dedupe_key!r}")

    # A fail in flight whose task was claimed again (acknowledged) was necessarily applied.
    in_doubt = [op for op in journal.in_doubt if op["kind"] != "create"]
    for op in list(in_doubt):
        if op["kind"] == "fail" and max(model.task(op["task_id"]).attempts, default=0) > op["attempt"]:
            model.apply(op)
            model.in_flight_applied += 1
            in_doubt.remove(op)

    # Every task: the model's state, or that state with the in-flight calls that concern it applied.
    claims_in_doubt = [op for op in in_doubt if op["kind"] == "claim"]
    landed_claims = {}  # worker -> task id
    for task_id, task in sorted(model.tasks.items()):
        if task_id not in listed:
            continue
        observed = observed_state(client.get_task(task_id))
        base = task.state()
        options = [(base, [])]
        for op in in_doubt:
            if (op.get("task_id") == task_id and base["status"] == CLAIMED and base["claimed_by"] == op["worker"]
                    and base["attempts"] == op["attempt"]):
                options.append((applied_to_state(base, op), [op]))
        for state, ops in list(options):
            if state["status"] == PENDING:
                for op in claims_in_doubt:
                    claimed = dict(state, status=CLAIMED, attempts=state["attempts"] + 1, claimed_by=op["worker"],
                                   progress=0, progress_message="", result=None)
                    options.append((claimed, ops + [{**op, "task_id": task_id, "attempt": state["attempts"] + 1}]))
        matching = [ops for state, ops in options if state == observed]
        if not matching:
            problems.append(
                f"task {task_id}: recovered as {describe(observed)}; allowed: "
                + " | ".join(str(describe(state)) for state, _ in options))
            continue
        for op in matching[0]:
            if op["kind"] == "claim":
                if op["worker"] in landed_claims:
                    problems.append(f"the one in-flight claim of {op['worker']} shows on tasks "
                                    f"{landed_claims[op['worker']]} and {task_id}")
                landed_claims[op["worker"]] = task_id
            model.apply(op)
            model.in_flight_applied += 1

    problems += model.problems
    model.problems = []

    # Every task's whole history, now that every call is known to have been applied or not.
    for task_id, task in sorted(model.tasks.items()):
        if task_id not in listed:
            continue
        history = [(e.status_change, e.worker_id, e.message) for e in client.get_task_history(task_id)]
        expected = task.expected_history()
        if history != expected:
            problems.append(f"task {task_id}: history\n    {history}\n  expected\n    {expected}")
    return [f"{context}: {problem}" for problem in problems]


def check_claims_still_held(server, model, round_number, context):
    """Each claimed task: another worker and a stale attempt are refused, the holder's attempt is accepted.

    The holder's accepted report is applied to the model. Returns (held, problems): the claim each worker holds,
    as (task id, attempt, progress), for the next round's workload.
    """
    client = server.client
    held, problems = {}, []
    for task_id, task in sorted(model.tasks.items()):
        state = task.state()
        if state["status"] != CLAIMED:
            continue
        worker, attempt, progress = state["claimed_by"], state["attempts"], state["progress"]
        if worker in held:
            problems.append(f"{worker} holds tasks {held[worker][0]} and {task_id}")
        for other, other_attempt, code in (("intruder", attempt, PERMISSION_DENIED),
                                           (worker, attempt + 1, FAILED_PRECONDITION)):
            try:
                update_progress(client, task_id, other, progress, "must be refused", other_attempt)
                problems.append(f"task {task_id} (claimed by {worker}, attempt {attempt}): a report by {other} "
                                f"for attempt {other_attempt} was accepted")
            except TaskManagerError as error:
                if error.code != code:
                    problems.append(f"task {task_id}: a report by {other} for attempt {other_attempt} failed with "
                                    f"{error!r}, expected code {code}")
        progress = min(100, progress + 1)
        message = f"r{round_number} {worker} t{task_id} a{attempt} resumed"
        try:
            response = update_progress(client, task_id, worker, progress, message, attempt)
        except TaskManagerError as error:
            problems.append(f"task {task_id}: its holder {worker} (attempt {attempt}) was refused: {error!r}")
            continue
        model.apply(dict(kind="progress", worker=worker, task_id=task_id, attempt=attempt, value=progress,
                         message=message))
        if response.progress != progress or response.lease_expires_at_ms < time.time() * 1000 + (LEASE_SECONDS - 30) * 1000:
            problems.append(f"task {task_id}: the holder's report answered {response}")
        held[worker] = (task_id, attempt, progress)
    return held, [f"{context}: {problem}" for problem in problems]


def save_log(server, tmp_path, name):
    """Keeps the log of a server that is gone: the next start_server truncates server.log."""
    kept = tmp_path / name
    shutil.copyfile(server.log, kept)
    return kept


def test_acknowledged_calls_survive_sigkill_of_the_server_round_after_round(tmp_path):
    """Proves that with `--durability full` a SIGKILLed server loses nothing it acknowledged and invents nothing.

    Four threads (one connection and one worker id each) create, claim, report progress on, complete and fail tasks
    until the server is SIGKILLed at a random moment; the server is then restarted on the same file. Four rounds,
    each continuing on the same database, each worker first carrying on with the claim it held. After each restart:
    - every acknowledged task exists, and no task exists that was not created by a call;
    - every task is exactly in the state its acknowledged calls left it in (status, attempts, holder, progress and
      message, error, result), or in that state with the holder's in-flight call applied as a whole, or claimed
      by a worker whose claim was in flight; each in-flight claim shows on at most one task;
    - every task's history is exactly the sequence of its applied calls: no acknowledged progress report lost,
      none duplicated or reordered, one claim entry per attempt, each with its worker;
    - no attempt was claimed twice; a claimed task's holder can still report with its attempt, while another
      worker (PERMISSION_DENIED) and a stale attempt ("Lease lost") are refused;
    - the type's lease and max_attempts settings are still in force (claims get a 300 s lease, not the server's).
    Then a clean stop and start must recover the same state, and the stopped file passes PRAGMA integrity_check.
    """
    seed = int(os.environ.get("CRASH_RECOVERY_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    started = time.monotonic()
    server = start_server(tmp_path, *SERVER_OPTIONS)
    try:
        type_id = register_type(server.client).id
        model = Model()
        held = {}
        totals = {"acked": 0, "in_doubt": 0}
        for round_number in range(1, ROUNDS + 1):
            journal = run_until_killed(server, round_number, type_id, held, seed, rng)
            log = save_log(server, tmp_path, f"server-round{round_number}.log")
            context = f"seed {seed}, round {round_number} (log of the killed server: {log})"
            assert server.process.returncode == -9, context
            assert len(journal.acked) > 0, f"{context}: no call was acknowledged before the kill"
            totals["acked"] += len(journal.acked)
            totals["in_doubt"] += len(journal.in_doubt)
            server = start_server(tmp_path, *SERVER_OPTIONS)
            context += f", restarted server's log: {server.log}"
            problems = check_recovered(server, model, journal, context)
            held, more = check_claims_still_held(server, model, round_number, context)
            problems += more
            assert not problems, "\n".join(problems)

        # A clean stop and start: nothing in flight, so the recovered state is exactly the model.
        server.stop()
        assert server.process.returncode == 0, save_log(server, tmp_path, "server-stopped.log").read_text()
        server = start_server(tmp_path, *SERVER_OPTIONS)
        problems = check_recovered(server, model, Journal(), f"seed {seed}, after a clean restart")
        assert not problems, "\n".join(problems)
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log.read_text()

    statuses = [task.state()["status"] for task in model.tasks.values()]
    assert statuses.count(COMPLETED) > 0 and any(t.attempts and max(t.attempts) > 1 for t in model.tasks.values()), \
        f"seed {seed}: the workload never completed a task or never retried one"
    database = tmp_path / "tasks.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == len(model.tasks)
        counts = dict(db.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status").fetchall())
    db.close()
    for status, name in STATUS_NAMES.items():
        assert counts.get(name, 0) == statuses.count(status), f"seed {seed}: {counts}"
    print(f"seed {seed}: {len(model.tasks)} tasks, {totals['acked']} acknowledged calls, "
          f"{totals['in_doubt']} in flight at a kill ({model.in_flight_applied} applied), "
          f"{time.monotonic() - started:.1f} s")


def test_a_second_server_on_the_same_database_refuses_to_start(tmp_path):
    """Proves the exclusive lock on the database file: a second `serve` on it exits non-zero at once with
    "is in use by another server", and the first server goes on answering reads and writes."""
    server = start_server(tmp_path)
    try:
        register_type(server.client)
        before = server.client.create_task(TYPE, {"before": True}).task
        second = subprocess.run(
            [str(TASKMANAGER), "serve", "--port", "0", "--db", str(tmp_path / "tasks.db")],
            capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL, env=clean_environment())
        assert second.returncode != 0, second
        assert "is in use by another server" in second.stdout + second.stderr, second
        assert server.process.poll() is None, server.log.read_text()
        assert server.client.health().status == "healthy"
        assert server.client.get_task(before.id).status == PENDING
        after = server.client.create_task(TYPE, {"after": True}).task
        assert server.client.get_task(after.id).id == after.id
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log.read_text()
