"""Several `taskmanager serve` instances on one PostgreSQL database (issue 14): workers of two languages spread
over them, one instance SIGKILLed mid-load, and a `watch` on one instance following a task worked through another.

Needs TASKMANAGER_TEST_POSTGRES_URL (scripts/postgres-test-cluster starts a throw-away cluster and sets it); each
test creates a database of its own there, so the role of the URL must be allowed to create databases. Without the
URL the tests are skipped, unless TASKMANAGER_REQUIRE_POSTGRES is set (as `make test` does): then they fail.

    bash scripts/postgres-test-cluster /usr/bin/python3 -m pytest clients/tests/test_postgres_instances.py -s
"""
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import TASKMANAGER, clean_environment, launch_server, start_worker, wait_until_listening
from examples_batch import register_examples
from taskmanager_client import Client, TaskManagerError

PENDING, CLAIMED, COMPLETED = 1, 2, 3
UNAVAILABLE = 14

LEASE_SECONDS = 2
REAPER_INTERVAL_MS = 200
# Short leases checked often, so that the killed instance's tasks come back quickly; nothing stalls.
SERVER_OPTIONS = ("--claim-timeout", str(LEASE_SECONDS), "--reaper-interval-ms", str(REAPER_INTERVAL_MS),
                  "--retry-backoff-base-ms", "0", "--stall-after", "0",
                  # Waiting claims and watches look again only after a minute: only a notification from another
                  # instance wakes them in time.
                  "--db-recheck-interval-ms", "60000")
INSTANCES = ("A", "B", "C")
KILLED = "B"
LANGUAGES = ("python", "c")
WORKERS_PER_LANGUAGE = 2        # per instance: 4 workers on each of the three instances
TASKS = 200
CREATE_INTERVAL = 0.005         # the producer's pace: faster than the workers, so that a backlog builds up
TASK_PARAMS = {"seconds": 0.3, "steps": 3}  # three progress reports, 0.1 s apart
WATCH_LAG_MS = 2000             # the longest a watch may take to show an entry written through another instance


def postgres_url():
    """TASKMANAGER_TEST_POSTGRES_URL, or a skip (a failure under TASKMANAGER_REQUIRE_POSTGRES) without it."""
    url = os.environ.get("TASKMANAGER_TEST_POSTGRES_URL", "")
    if url:
        return url
    if os.environ.get("TASKMANAGER_REQUIRE_POSTGRES"):
        pytest.fail("TASKMANAGER_TEST_POSTGRES_URL is not set, and TASKMANAGER_REQUIRE_POSTGRES requires it")
    pytest.skip("PostgreSQL test skipped: TASKMANAGER_TEST_POSTGRES_URL is not set (run it with "
                "scripts/postgres-test-cluster /usr/bin/python3 -m pytest ...)")


def psql(url, sql):
    """Runs one statement with psql (the cluster's, or the one on PATH) against `url`."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [shutil.which("psql")]
    if not found[-1]:
        pytest.fail("psql is missing: install postgresql-client (scripts/postgres-test-cluster installs it)")
    done = subprocess.run([found[-1], url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, env=clean_environment(PGCONNECT_TIMEOUT="10"))
    if done.returncode != 0:
        pytest.fail(f"psql {sql!r} failed (the role of TASKMANAGER_TEST_POSTGRES_URL needs CREATEDB): {done.stderr}")


@pytest.fixture
def database():
    """The URL of a database created for this test alone on the cluster of TASKMANAGER_TEST_POSTGRES_URL; dropped
    afterwards."""
    url = postgres_url()
    name = f"tm_instances_{uuid.uuid4().hex[:12]}"
    psql(url, f"CREATE DATABASE {name}")
    parts = urlsplit(url)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    psql(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def instances(tmp_path, database):
    """Three servers on the test's database, started together; {name: Server}. Stopped afterwards."""
    launched = {name: launch_server(tmp_path, *SERVER_OPTIONS, database=database, name=f"server-{name}")
                for name in INSTANCES}
    running = {}
    try:
        for name, server in launched.items():
            running[name] = wait_until_listening(server)
        yield running
    finally:
        for name, (process, _) in launched.items():
            if name in running:
                running[name].stop()
            elif process.poll() is None:
                process.kill()
                process.wait()


class Workers:
    """The worker processes of the test, by worker id; each is told which instance it talks to by its id."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.processes = {}

    def start(self, language, server, instance, n, *options):
        worker_id = f"{language}-{instance}-{n}"
        log = self.tmp_path / f"worker-{worker_id}.log"
        self.processes[worker_id] = (start_worker(language, server, "--worker-id", worker_id, "--poll-interval", "0.1",
                                                  *options, log=log), log)
        return worker_id

    def stop(self):
        """SIGTERM to the live ones (they finish their task and exit); SIGKILL to any still there after 15 s."""
        for process, _ in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process, _ in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path):
    running = Workers(tmp_path)
    yield running
    running.stop()


def instance_of(worker_id):
    """The instance a worker of this test talks to: the middle part of its id (`python-B-1`)."""
    return worker_id.split("-")[1]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"{what}: not within {timeout} s")


class Producer(threading.Thread):
    """Creates TASKS example.sleep tasks round-robin over the live instances, recording every acknowledged id.

    A create through the killed instance that fails is in doubt (it may have been applied) unless it could not even
    connect; either way that instance is dropped from the round and the task is created through the next one.
    """

    def __init__(self, servers, killed):
        super().__init__(name="producer", daemon=True)
        self.servers = servers
        self.killed = killed            # an Event set just before the SIGKILL
        self.acked = {}                 # task id -> instance it was created through
        self.in_doubt = []              # params of creates sent to the killed instance and never answered
        self.errors = []

    def run(self):
        clients = {name: Client(server.address, timeout=10) for name, server in self.servers.items()}
        live = list(clients)
        n = 0
        try:
            while len(self.acked) < TASKS and live:
                name = live[n % len(live)]
                params = {**TASK_PARAMS, "n": n, "via": name}
                n += 1
                try:
                    task = clients[name].create_task("example.sleep", params).task
                except TaskManagerError as error:
                    if not (self.killed.is_set() and name == KILLED):
                        self.errors.append(f"create {params} through {name}: {error!r}")
                        return
                    if not (error.code == UNAVAILABLE and error.message.startswith("Cannot connect")):
                        self.in_doubt.append(params)
                    live.remove(name)
                    continue
                self.acked[task.id] = name
                time.sleep(CREATE_INTERVAL)
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.errors.append(f"producer crashed: {error!r}")
        finally:
            for client in clients.values():
                client.close()


def list_all_tasks(client):
    tasks, offset = {}, 0
    while True:
        page = client.list_tasks(type="example.sleep", limit=1000, offset=offset)
        tasks.update((task.id, task) for task in page.tasks)
        offset += page.count
        if page.count == 0 or offset >= page.total:
            return tasks


def check_history(task_id, history):
    """The problems of one task's history: a claim while another claim's lease was live, an entry by a worker
    that did not hold the task, not exactly one completion (the last entry), or anything but claims, progress,
    lease expiries and one completion. Returns (problems, claims) with claims as [(worker, how it ended, entry)]."""
    problems, claims = [], []
    holder = None
    changes = [entry.status_change for entry in history]
    if changes[:1] != ["created"] or changes.count("created") != 1:
        problems.append(f"task {task_id}: not one 'created' first")
    if changes.count("completed") != 1 or changes[-1] != "completed":
        problems.append(f"task {task_id}: completed {changes.count('completed')} times, last entry {changes[-1:]}")
    for entry in history[1:]:
        change, worker = entry.status_change, entry.worker_id
        if change == "claimed":
            if holder is not None:
                problems.append(f"task {task_id}: claimed by {worker} while {holder}'s claim was live")
            holder = worker
            claims.append([worker, None, None])
        elif change in ("progress_update", "lease_expired", "completed"):
            if worker != holder:
                problems.append(f"task {task_id}: {change} by {worker!r} while held by {holder!r}")
                continue
            if change != "progress_update":
                claims[-1][1:] = [change, entry]
                holder = None
        else:
            problems.append(f"task {task_id}: unexpected {change} by {worker!r}: {entry.message}")
    return problems, [tuple(claim) for claim in claims]


def test_a_sigkilled_instance_loses_no_task_and_its_claims_come_back_to_the_others(instances, workers, tmp_path):
    """Proves, with three servers on one database and four workers (two Python, two C) on each, one server SIGKILLed
    while its workers hold tasks and the producer is still creating through all three:
    - every acknowledged create is a task that ends completed, and no task exists that no create was sent for;
    - no task was claimed while another claim of it was live, no entry was written by a worker that did not hold
      the task, and every task was completed exactly once, by the holder of its last claim;
    - every task claimed through the killed instance and not completed before the kill came back with
      "lease_expired" after the kill, within the lease plus a margin, and was then completed by a worker on
      another instance.
    Prints how long the killed instance's tasks took to come back and to be completed.
    """
    started = time.monotonic()
    first = instances["A"]
    register_examples(first.client)
    for name, server in instances.items():
        for language in LANGUAGES:
            for n in range(WORKERS_PER_LANGUAGE):
                workers.start(language, server, name, n)
    killed = threading.Event()
    producer = Producer(instances, killed)
    producer.start()

    # The kill: once a quarter of the tasks is done and the doomed instance's workers hold tasks, one at least with
    # two of its three steps still to run (so that it cannot be completed before the kill).
    def doomed_claims():
        if first.client.list_tasks(status=COMPLETED, type="example.sleep", limit=1).total < TASKS // 4:
            return None
        claimed = first.client.list_tasks(status=CLAIMED, type="example.sleep", limit=1000).tasks
        held = [task for task in claimed if instance_of(task.claimed_by) == KILLED]
        return [task.id for task in held] if any(task.progress < 66 for task in held) else None

    held_at_kill = wait_for(doomed_claims, 60, f"a quarter of the tasks completed and instance {KILLED} holding tasks")
    killed.set()
    acked_at_kill = len(producer.acked)
    doomed = instances[KILLED]
    doomed.process.kill()
    killed_at_ms = time.time() * 1000
    doomed.process.wait()
    assert doomed.process.returncode == -signal.SIGKILL

    producer.join(timeout=60)
    assert not producer.is_alive(), "the producer did not finish within 60 s"
    assert not producer.errors, "\n".join(producer.errors)
    assert len(producer.acked) == TASKS

    deadline = time.monotonic() + 60
    while True:
        tasks = list_all_tasks(first.client)
        unfinished = {task_id: task for task_id, task in tasks.items() if task.status != COMPLETED}
        if not unfinished:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"{len(unfinished)} tasks not completed 60 s after the producer finished: "
                        + "; ".join(f"{task_id} {task.status} {task.claimed_by}: "
                                    + str([(e.status_change, e.worker_id) for e in first.client.get_task_history(task_id)])
                                    for task_id, task in list(unfinished.items())[:10]))
        time.sleep(0.1)
    done_at_ms = time.time() * 1000

    # Nothing lost, nothing invented: every acknowledged id completed; other tasks only for in-doubt creates.
    problems = [f"acknowledged task {task_id} is missing" for task_id in producer.acked if task_id not in tasks]
    extra = [task for task_id, task in tasks.items() if task_id not in producer.acked]
    if len(extra) > len(producer.in_doubt):
        problems.append(f"{len(extra)} tasks were never acknowledged, but only {len(producer.in_doubt)} creates "
                        f"were in doubt: {extra}")

    # Histories, read through the other surviving instance.
    reader = instances["C"].client
    came_back, completed_after = [], []
    completers = {}
    for task_id in sorted(tasks):
        history = reader.get_task_history(task_id)
        more, claims = check_history(task_id, history)
        problems += more
        if more:
            continue
        completers[task_id] = claims[-1][0]
        for worker, ending, entry in claims:
            if instance_of(worker) != KILLED:
                continue
            if ending == "completed" and entry.created_at_ms > killed_at_ms:
                problems.append(f"task {task_id}: completed by {worker} of the killed instance after the kill")
            if ending != "lease_expired":
                continue
            if entry.created_at_ms < killed_at_ms:
                continue  # an expiry under load before the kill: legitimate, and not what this test measures
            if instance_of(claims[-1][0]) == KILLED:
                problems.append(f"task {task_id}: came back from {worker} but was completed by {claims[-1][0]}")
            came_back.append((entry.created_at_ms - killed_at_ms) / 1000)
            completed_after.append((history[-1].created_at_ms - killed_at_ms) / 1000)
    assert not problems, "\n".join(problems[:50])

    assert came_back, (f"no task of instance {KILLED} came back after the kill (it held {held_at_kill} a moment "
                       "before): the kill came too late to test anything")
    assert max(came_back) <= LEASE_SECONDS + REAPER_INTERVAL_MS / 1000 + 3, came_back
    by_instance = {name: sum(1 for worker in completers.values() if instance_of(worker) == name) for name in INSTANCES}
    by_language = {language: sum(1 for worker in completers.values() if worker.startswith(language + "-"))
                   for language in LANGUAGES}
    assert all(by_instance[name] > 0 for name in INSTANCES) and all(by_language.values()), (by_instance, by_language)
    print(f"\n{len(tasks)} tasks ({acked_at_kill} created before the kill, {len(producer.in_doubt)} creates in doubt "
          f"at it), completed by instance "
          f"{by_instance}, by language {by_language}; {len(came_back)} claims of instance {KILLED} came back after "
          f"the kill in {min(came_back):.2f}..{max(came_back):.2f} s (median {statistics.median(came_back):.2f} s), "
          f"completed elsewhere {min(completed_after):.2f}..{max(completed_after):.2f} s after it; all done "
          f"{(done_at_ms - killed_at_ms) / 1000:.1f} s after the kill; test {time.monotonic() - started:.1f} s")


class WatchOutput(threading.Thread):
    """Reads `taskmanager watch --json` line by line, stamping each object with the wall time it arrived."""

    def __init__(self, process):
        super().__init__(name="watch-reader", daemon=True)
        self.process = process
        self.lines = []  # (arrival time in ms, object)
        self.first = threading.Event()

    def run(self):
        for line in self.process.stdout:
            self.lines.append((time.time() * 1000, json.loads(line)))
            self.first.set()


def test_watch_on_one_instance_sees_progress_reported_through_another(instances, workers, tmp_path):
    """Proves that `taskmanager watch` connected to instance A shows the claim, each progress report and the
    completion of a task worked by a worker connected to instance B, each within WATCH_LAG_MS of its history entry
    being written, with nothing else happening on A that could wake the watch."""
    watching, working = instances["A"], instances["B"]
    register_examples(working.client)
    task_id = working.client.create_task("example.sleep", {"seconds": 3, "steps": 3}).task.id
    watch = subprocess.Popen([str(TASKMANAGER), "watch", str(task_id), "--json", "--server", watching.address],
                             stdout=subprocess.PIPE, stderr=open(tmp_path / "watch.err", "w"), text=True,
                             stdin=subprocess.DEVNULL, env=clean_environment())
    output = WatchOutput(watch)
    output.start()
    try:
        assert output.first.wait(10), "watch showed no snapshot within 10 s"
        workers.start("python", working, "B", 0, "--no-register")
        status = watch.wait(timeout=30)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    output.join(timeout=5)
    assert status == 0, (tmp_path / "watch.err").read_text()

    seen = [(arrived, event["entry"]) for arrived, event in output.lines if event["entry"]]
    changes = [entry["status_change"] for _, entry in seen]
    assert changes == ["created", "claimed", "progress_update", "progress_update", "progress_update", "completed"], \
        changes
    seen = seen[1:]  # the creation was written before the watch started
    lags = {f"{entry['status_change']} {entry['message']!r}": round(arrived - entry["created_at_ms"])
            for arrived, entry in seen}
    print(f"\nwatch on A: lag (ms) of each entry written through B: {lags}")
    late = {what: lag for what, lag in lags.items() if lag > WATCH_LAG_MS}
    assert not late, f"watch on A showed entries written through B more than {WATCH_LAG_MS} ms late: {late}"
