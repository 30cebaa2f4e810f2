"""The PHP client library (clients/php/src) and its worker, against a real server."""
import json
import signal
import socket
import subprocess
import time

from conftest import ROOT, clean_environment, run_worker, start_server, start_worker, summary
from examples_batch import batch_size, check_batch, create_batch, register_examples

COMPLETED, PENDING, CLAIMED, FAILED = 3, 1, 2, 4
AUTOLOAD = ROOT / "clients" / "php" / "autoload.php"


# The worker and its example types

def test_php_worker_processes_every_example_type(server):
    created = create_batch(server.client, "php")
    result = run_worker("php", server, "--stop-when-idle", "--poll-interval", "0.1")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert summary(result.stdout) == (batch_size(created), 4)
    check_batch(server.client, created, "php")


def test_php_minimal_worker_completes_one_echo_task(server):
    register_examples(server.client)
    task_id = server.client.create_task("example.echo", {"message": "minimal"}).task.id
    result = run_worker("php", server, minimal=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(task_id)
    task = server.client.get_task(task_id)
    assert (task.status, task.progress, task.claimed_by) == (COMPLETED, 50, "minimal-php")
    assert json.loads(task.result_json) == {"echoed": "minimal"}
    messages = [e.message for e in server.client.get_task_history(task_id)]
    assert "Progress: 50% - half way" in messages


def test_php_minimal_worker_exits_1_when_nothing_is_claimable(server):
    register_examples(server.client)
    result = run_worker("php", server, minimal=True)
    assert result.returncode == 1


def test_php_worker_finishes_its_task_on_sigterm(server, tmp_path):
    register_examples(server.client)
    task_id = server.client.create_task("example.sleep", {"seconds": 2}).task.id
    log = tmp_path / "worker.log"
    worker = start_worker("php", server, "--poll-interval", "0.1", log=log)
    try:
        deadline = time.monotonic() + 20
        while server.client.get_task(task_id).status != CLAIMED:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
    task = server.client.get_task(task_id)
    assert (task.status, task.progress) == (COMPLETED, 100), log.read_text()
    assert json.loads(task.result_json) == {"slept": 2, "steps": 4}
    assert summary(log.read_text()) == (1, 0)


def test_php_worker_max_runs_stops_after_one_task(server):
    register_examples(server.client)
    ids = [server.client.create_task("example.echo", {"message": f"run {n}"}).task.id for n in range(3)]
    result = run_worker("php", server, "--max-runs=1", "--poll-interval", "0.1")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 0)
    statuses = sorted(server.client.get_task(task_id).status for task_id in ids)
    assert statuses == [PENDING, PENDING, COMPLETED]


def test_php_worker_task_type_ids_claim_only_those_types(server):
    register_examples(server.client)
    echo = server.client.create_task("example.echo", {"message": "by id"}).task
    upper = server.client.create_task("example.uppercase", {"text": "by id"}).task
    add = server.client.create_task("example.math.add", {"a": 1, "b": 2}).task
    result = run_worker("php", server, "--stop-when-idle", "--poll-interval", "0.1",
                        "--task-type-ids", f"{echo.type_id},{upper.type_id}")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (2, 0)
    assert [server.client.get_task(t.id).status for t in (echo, upper, add)] == [COMPLETED, COMPLETED, PENDING]


def test_php_worker_fails_a_task_of_unknown_type(server):
    server.client.register_task_type("example.unknown", "1.0.0", {"type": "object"})
    task_id = server.client.create_task("example.unknown", {}, max_attempts=1).task.id
    result = run_worker("php", server, "--stop-when-idle", "--poll-interval", "0.1")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == (1, 1)
    task = server.client.get_task(task_id)
    assert (task.status, task.error_message) == (FAILED, "Unknown task type: example.unknown")


def test_php_worker_exits_1_when_the_health_check_fails(server):
    result = run_worker("php", server, "--server", f"127.0.0.1:{closed_port()}")
    assert result.returncode == 1
    assert "UNAVAILABLE" in result.stderr
    assert summary(result.stdout) == (0, 0)


def test_php_worker_gives_up_after_five_consecutive_errors(tmp_path):
    secured = start_server(tmp_path, "--api-key", "secret")
    try:
        result = run_worker("php", secured, "--api-key", "wrong", "--no-register", "--poll-interval", "0.05")
    finally:
        secured.stop()
    assert result.returncode == 1
    assert result.stderr.count("UNAUTHENTICATED: Invalid or missing API key") == 5
    assert summary(result.stdout) == (0, 0)


def test_php_worker_rejects_an_unknown_option(server):
    result = run_worker("php", server, "--no-such-option")
    assert result.returncode == 2
    assert "unknown option --no-such-option" in result.stderr


# The client

def test_php_client_errors_carry_code_and_message(server, tmp_path):
    output = run_php(tmp_path, server, """
        try {
            $client->getTask(999999);
        } catch (TaskManager\\Worker\\TaskManagerException $error) {
            echo $error->getCode(), "\\n", $error->getCodeName(), "\\n", $error->getStatusMessage(), "\\n",
                $error->getMessage(), "\\n";
        }
    """)
    assert output.splitlines() == ["5", "NOT_FOUND", "Task not found", "NOT_FOUND: Task not found"]


def test_php_client_round_trip_of_a_task(server, tmp_path):
    register_examples(server.client)
    output = run_php(tmp_path, server, """
        $created = $client->createTask('example.math.add', ['b' => 2.5, 'a' => 1], 7, 2);
        $task = $client->claimTask('example.%');
        $client->updateProgress($task->getId(), 40, 'almost');
        $client->completeTask($task->getId(), ['sum' => 3.5, 'text' => 'é/']);
        $done = $client->getTask($created->getTask()->getId());
        $page = $client->listTasks(['status' => 'completed', 'claimed_by' => 'php-test']);
        $changes = array_map(fn ($e) => $e->getStatusChange(), $client->getTaskHistory($done->getId()));
        echo json_encode([$done->getParamsJson(), $done->getPriority(), $done->getMaxAttempts(), $done->getProgress(),
            $done->getResultJson(), $page->getTotal(), $changes, $client->claimTask('example.%')]);
    """)
    assert json.loads(output) == [
        '{"a":1,"b":2.5}', 7, 2, 40, '{"sum":3.5,"text":"é/"}', 1,
        ["created", "claimed", "progress_update", "completed"], None]


def test_php_client_reports_an_unreachable_server_as_unavailable(tmp_path, server):
    output = run_php(tmp_path, server, f"""
        try {{
            (new TaskManager\\Worker\\WorkerClient('127.0.0.1:{closed_port()}', 'x', null, 2.0))->health();
        }} catch (TaskManager\\Worker\\TaskManagerException $error) {{
            echo $error->getCode(), ' ', $error->getCodeName();
        }}
    """)
    assert output == "14 UNAVAILABLE"


def test_php_client_sends_the_api_key(tmp_path):
    secured = start_server(tmp_path, "--api-key", "secret")
    try:
        output = run_php(tmp_path, secured, """
            echo $client->listTasks()->getTotal();
        """, api_key="secret")
    finally:
        secured.stop()
    assert output == "0"


# Helpers

def run_php(tmp_path, server, body, api_key=None):
    """Runs a PHP script with `$client`, a WorkerClient named "php-test", connected to `server`; returns stdout."""
    script = tmp_path / "script.php"
    script.write_text(
        "<?php\n"
        f"require {json.dumps(str(AUTOLOAD))};\n"
        f"$client = new TaskManager\\Worker\\WorkerClient({json.dumps(server.address)}, 'php-test', "
        f"{json.dumps(api_key) if api_key else 'null'});\n"
        + body)
    result = subprocess.run(["php", str(script)], capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL, env=clean_environment())
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
