"""The PHP client library (clients/php/src) and its worker, against a real server."""
import json
import socket
import subprocess

from conftest import ROOT, clean_environment, run_worker, start_server, summary
from examples_batch import register_examples

COMPLETED, PENDING, CLAIMED, FAILED = 3, 1, 2, 4
AUTOLOAD = ROOT / "clients" / "php" / "autoload.php"


# The worker and its example types

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
