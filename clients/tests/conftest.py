"""Shared fixtures of the polyglot worker tests: a real `taskmanager serve` on port 0 and the four workers.

Run from the repository root after `swift build` (the Makefile's `test` target does both):
    /usr/bin/python3 -m pytest clients/tests
"""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(ROOT / "Generated" / "python"))

from taskmanager_client import Client  # noqa: E402
from certificates import Certificates  # noqa: E402

TASKMANAGER = ROOT / ".build" / "debug" / "taskmanager"

# How to start each language's worker; the options after these are the common ones of clients/EXAMPLES.md.
WORKERS = {
    "python": ["/usr/bin/python3", str(ROOT / "clients" / "python" / "worker.py")],
    "php": ["php", str(ROOT / "clients" / "php" / "worker.php")],
    "c": [str(ROOT / "clients" / "c" / "build" / "worker")],
    "swift": [str(TASKMANAGER), "work"],
}

# The minimal workers of docs/workers.md: each claims one example.echo task, reports 50 %, completes it.
MINIMAL_WORKERS = {
    "python": ["/usr/bin/python3", str(ROOT / "clients" / "python" / "examples" / "minimal_worker.py")],
    "php": ["php", str(ROOT / "clients" / "php" / "examples" / "minimal_worker.php")],
    "c": [str(ROOT / "clients" / "c" / "build" / "minimal_worker")],
    "swift": [str(ROOT / ".build" / "debug" / "minimal-worker")],
}


class Server:
    """A running `taskmanager serve` and a client connected to it (with `client_tls`, a TLSOptions, over TLS)."""

    def __init__(self, process, address, log, client_tls=None):
        self.process = process
        self.address = address
        self.log = log
        self.client = Client(address, tls=client_tls)

    def stop(self):
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(tmp_path, *extra, client_tls=None, database=None, name="server"):
    """Starts `taskmanager serve --port 0` on a fresh database and waits for its 'listening on' line.

    `client_tls` is the TLSOptions of the returned Server's client, for a server started with --tls-cert.
    `database` is the --db argument (default the SQLite file tmp_path/tasks.db); `name` names its log, NAME.log.
    """
    return wait_until_listening(launch_server(tmp_path, *extra, database=database, name=name), client_tls=client_tls)


def launch_server(tmp_path, *extra, database=None, name="server"):
    """Starts `taskmanager serve --port 0` without waiting for it; returns (process, log path) for
    `wait_until_listening`, so that several servers can start together."""
    if not TASKMANAGER.exists():
        pytest.fail(f"{TASKMANAGER} is missing: run `swift build` first")
    log_path = tmp_path / f"{name}.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [str(TASKMANAGER), "serve", "--port", "0", "--db", database or str(tmp_path / "tasks.db"), *extra],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=clean_environment())
    return process, log_path


def wait_until_listening(launched, client_tls=None):
    """Waits for the 'listening on' line of a server started by `launch_server`; returns its Server."""
    process, log_path = launched
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(r"listening on (\S+):(\d+)", log_path.read_text())
        if match:
            return Server(process, f"127.0.0.1:{match.group(2)}", log_path, client_tls)
        if process.poll() is not None:
            pytest.fail(f"taskmanager serve exited: {log_path.read_text()}")
        time.sleep(0.05)
    process.kill()
    pytest.fail("taskmanager serve did not start within 30 s")


def clean_environment(**extra):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TASKMANAGER_")}
    environment.update(extra)
    return environment


LEASE_SECONDS = 2
REAPER_INTERVAL_MS = 200


@pytest.fixture
def server(tmp_path):
    """A server with 2-second leases checked every 0.2 s, so that killed workers' tasks come back quickly, and
    retries due at once, so that a worker run with --stop-when-idle sees them."""
    running = start_server(tmp_path, "--claim-timeout", str(LEASE_SECONDS), "--reaper-interval-ms", str(REAPER_INTERVAL_MS),
                           "--retry-backoff-base-ms", "0")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and localhost, a client certificate CN=worker-1, another CA."""
    return Certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="session", autouse=True)
def built_c_worker():
    """Builds clients/c once per session."""
    subprocess.run(["make", "-C", str(ROOT / "clients" / "c")], check=True, stdout=subprocess.DEVNULL)


def worker_command(language, server, *options, minimal=False):
    table = MINIMAL_WORKERS if minimal else WORKERS
    command = list(table[language])
    if not minimal:
        command += ["--server", server.address, *options]
    return command


def run_worker(language, server, *options, timeout=120, minimal=False):
    """Runs a worker to its end and returns the CompletedProcess (text output)."""
    return subprocess.run(
        worker_command(language, server, *options, minimal=minimal), capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL, env=clean_environment(TASKMANAGER_SERVER=server.address))


def start_worker(language, server, *options, log=None):
    """Starts a worker in the background; output goes to `log` (a path) or is discarded."""
    output = open(log, "w") if log else subprocess.DEVNULL
    return subprocess.Popen(
        worker_command(language, server, *options), stdout=output, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, env=clean_environment(TASKMANAGER_SERVER=server.address))


def summary(output):
    """The (processed, failed) counts of a worker's `processed=N failed=M` exit line."""
    match = re.search(r"^processed=(\d+) failed=(\d+)$", output, re.M)
    assert match, f"no summary line in worker output:\n{output}"
    return int(match.group(1)), int(match.group(2))
