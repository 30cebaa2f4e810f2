"""The Python, PHP and C workers over TLS and mutual TLS, against a real `taskmanager serve --tls-cert` with
certificates made by openssl (certificates.py)."""
import json
import subprocess
import threading
import time

import pytest

from certificates import CLIENT_COMMON_NAME
from conftest import LEASE_SECONDS, clean_environment, run_worker, start_server, start_worker, summary, worker_command
from examples_batch import register_examples
from taskmanager_client import TLSOptions

LANGUAGES = ["python", "php", "c"]
PENDING, COMPLETED = 1, 3


def start_tls_server(tmp_path, certificates, *extra, mutual=False):
    """A server with TLS (and with `mutual`, --tls-client-ca and --tls-worker-identity), 2-second leases, and a
    client that trusts its CA (presenting the CN=worker-1 certificate)."""
    options = ["--tls-cert", certificates.server_cert, "--tls-key", certificates.server_key,
               "--claim-timeout", str(LEASE_SECONDS), "--reaper-interval-ms", "200", *extra]
    client_tls = TLSOptions(ca=certificates.ca)
    if mutual:
        options += ["--tls-client-ca", certificates.ca, "--tls-worker-identity"]
        client_tls = TLSOptions(ca=certificates.ca, cert=certificates.client_cert, key=certificates.client_key)
    return start_server(tmp_path, *options, client_tls=client_tls)


@pytest.fixture
def tls_server(tmp_path, certificates):
    server = start_tls_server(tmp_path, certificates)
    yield server
    server.stop()


@pytest.fixture
def mutual_tls_server(tmp_path, certificates):
    server = start_tls_server(tmp_path, certificates, mutual=True)
    yield server
    server.stop()


def create_sleep_task(server):
    """A task that outlives the 2 s lease, so that it completes in one attempt only if the worker's heartbeats
    (on their own connection in the C worker) get through."""
    register_examples(server.client)
    return server.client.create_task("example.sleep", {"seconds": LEASE_SECONDS * 1.5, "steps": 1},
                                     dedupe_key=f"sleep-{time.monotonic_ns()}").task.id


def assert_completed_once(server, task_id):
    task = server.client.get_task(task_id)
    assert task.status == COMPLETED, task
    assert task.attempts == 1, task
    assert json.loads(task.result_json) == {"slept": LEASE_SECONDS * 1.5, "steps": 1}


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_completes_tasks_over_tls_with_concurrency(tls_server, certificates, language):
    task_ids = [create_sleep_task(tls_server) for _ in range(2)]

    result = run_worker(language, tls_server, "--tls-ca", certificates.ca, "--concurrency", "2", "--stop-when-idle")

    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (2, 0)
    for task_id in task_ids:
        assert_completed_once(tls_server, task_id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_completes_a_task_over_mutual_tls_as_its_certificates_common_name(mutual_tls_server, certificates,
                                                                                 language):
    task_id = create_sleep_task(mutual_tls_server)

    result = run_worker(language, mutual_tls_server, "--tls-ca", certificates.ca, "--tls-cert", certificates.client_cert,
                        "--tls-key", certificates.client_key, "--worker-id", CLIENT_COMMON_NAME, "--stop-when-idle")

    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 0)
    assert_completed_once(mutual_tls_server, task_id)
    assert mutual_tls_server.client.get_task(task_id).claimed_by == CLIENT_COMMON_NAME


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_whose_id_is_not_its_certificates_common_name_is_refused(mutual_tls_server, certificates, language):
    task_id = create_sleep_task(mutual_tls_server)

    result = run_worker(language, mutual_tls_server, "--tls-ca", certificates.ca, "--tls-cert", certificates.client_cert,
                        "--tls-key", certificates.client_key, "--worker-id", "someone-else", "--poll-interval", "0.05",
                        "--no-register")

    assert result.returncode == 1, result.stderr
    assert 'Worker "someone-else" does not match the client certificate\'s common name "worker-1"' in result.stderr
    assert summary(result.stdout) == (0, 0)
    assert mutual_tls_server.client.get_task(task_id).status == PENDING


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_without_a_client_certificate_fails_against_mutual_tls(mutual_tls_server, certificates, language):
    result = run_worker(language, mutual_tls_server, "--tls-ca", certificates.ca, "--stop-when-idle")

    assert result.returncode == 1, result.stderr
    assert "certificate required" in result.stderr.lower(), result.stderr
    assert summary(result.stdout) == (0, 0)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("trust", ["system", "other-ca"])
def test_worker_that_does_not_trust_the_servers_ca_fails_with_a_clear_error(tls_server, certificates, language, trust):
    options = ["--tls"] if trust == "system" else ["--tls-ca", certificates.other_ca]

    result = run_worker(language, tls_server, *options, "--stop-when-idle")

    assert result.returncode == 1, result.stderr
    assert "TLS handshake with " in result.stderr and "certificate verify failed" in result.stderr, result.stderr
    assert summary(result.stdout) == (0, 0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_verifies_the_servers_name(tls_server, certificates, language):
    result = run_worker(language, tls_server, "--tls-ca", certificates.ca, "--tls-server-name", "taskmanager.test",
                        "--stop-when-idle")

    assert result.returncode == 1, result.stderr
    assert "TLS handshake with " in result.stderr and "taskmanager.test" in result.stderr, result.stderr
    assert summary(result.stdout) == (0, 0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_accepts_the_name_its_server_certificate_has(tls_server, certificates, language):
    task_id = create_sleep_task(tls_server)
    host_port = tls_server.address.replace("127.0.0.1", "localhost")

    result = run_worker(language, tls_server, "--tls-ca", certificates.ca, "--server", host_port, "--stop-when-idle")

    assert result.returncode == 0, result.stderr
    assert_completed_once(tls_server, task_id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plaintext_worker_against_a_tls_server_fails_cleanly(tls_server, language):
    result = run_worker(language, tls_server, "--stop-when-idle", timeout=30)

    assert result.returncode == 1, result.stderr
    assert "speaks TLS: connect with TLS" in result.stderr, result.stderr
    assert summary(result.stdout) == (0, 0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_reconnects_over_tls_after_a_server_restart(tmp_path, certificates, language):
    first = start_tls_server(tmp_path, certificates)
    port = first.address.rsplit(":", 1)[1]
    register_examples(first.client)
    worker = start_worker(language, first, "--tls-ca", certificates.ca, "--no-register", "--poll-interval", "1",
                          "--wait-ms", "1000", "--max-runs", "2", log=tmp_path / "worker.log")
    second = None
    try:
        before = first.client.create_task("example.echo", {"message": "before"}).task.id
        wait_for_status(first, before, COMPLETED)
        first.stop()
        time.sleep(0.5)
        second = start_tls_server(tmp_path, certificates, "--port", port)
        after = second.client.create_task("example.echo", {"message": "after"}).task.id
        assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
        assert summary((tmp_path / "worker.log").read_text()) == (2, 0)
        assert second.client.get_task(after).status == COMPLETED
    finally:
        if worker.poll() is None:
            worker.kill()
        first.stop()
        if second:
            second.stop()


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_refuses_a_client_certificate_without_its_key(tls_server, certificates, language):
    result = run_worker(language, tls_server, "--tls-cert", certificates.client_cert, "--stop-when-idle")

    assert result.returncode == 2, result.stderr
    assert "--tls-cert and --tls-key go together" in result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_refuses_a_ca_file_it_cannot_read(tls_server, tmp_path, language):
    missing = tmp_path / "no-such-ca.pem"

    result = run_worker(language, tls_server, "--tls-ca", str(missing), "--stop-when-idle")

    assert result.returncode == 2, result.stderr
    assert f"Cannot use TLS CA file {missing}" in result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_refuses_an_empty_server_name_which_would_check_no_name(tls_server, certificates, language):
    result = run_worker(language, tls_server, "--tls-ca", certificates.ca, "--tls-server-name", "", "--stop-when-idle")

    assert result.returncode == 2, result.stderr
    assert "must not be empty" in result.stderr
    assert "processed=" not in result.stdout  # it never ran


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_takes_its_tls_settings_from_the_environment(mutual_tls_server, certificates, language):
    task_id = create_sleep_task(mutual_tls_server)
    environment = clean_environment(
        TASKMANAGER_TLS_CA=certificates.ca, TASKMANAGER_CLIENT_CERT=certificates.client_cert,
        TASKMANAGER_CLIENT_KEY=certificates.client_key)

    result = run_with_environment(language, mutual_tls_server, environment, "--worker-id", CLIENT_COMMON_NAME)
    refused = run_with_environment(language, mutual_tls_server, clean_environment(TASKMANAGER_TLS="maybe"))

    assert result.returncode == 0, result.stderr
    assert_completed_once(mutual_tls_server, task_id)
    assert refused.returncode == 2, refused.stderr
    assert "TASKMANAGER_TLS" in refused.stderr and "expected 1/true or 0/false" in refused.stderr


def run_with_environment(language, server, environment, *options):
    return subprocess.run(worker_command(language, server, "--stop-when-idle", *options), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, env=environment)


def wait_for_status(server, task_id, status, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.client.get_task(task_id).status == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not reach status {status}: {server.client.get_task(task_id)}")


def test_python_client_pipelines_calls_of_many_threads_over_one_tls_connection(tls_server):
    register_examples(tls_server.client)
    client = tls_server.client
    errors = []

    def create_and_read(thread):
        try:
            for n in range(100):
                task = client.create_task("example.echo", {"message": f"{thread}-{n}"}).task
                assert json.loads(client.get_task(task.id).params_json) == {"message": f"{thread}-{n}"}
        except Exception as error:  # any failure, reported by the assertion below
            errors.append(error)

    connection = client._open()
    threads = [threading.Thread(target=create_and_read, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert client.list_tasks(limit=1).total == 800
    assert client._connection is connection  # one TLS connection carried it all
