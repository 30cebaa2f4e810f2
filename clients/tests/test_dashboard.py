"""The web dashboard at `/` of the HTTP port, in a real headless browser (Debian's chromium, driven over the
DevTools protocol on a pipe): while a worker reports progress, the page shows the running task and its bar moves
(the DOM read twice, the changes pushed by WatchTasks' server-sent events), and the task's page shows its history.
A screenshot is written by every run; TASKMANAGER_UPDATE_SCREENSHOT=1 also writes docs/dashboard.png."""
import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import start_server
from test_gateway import call as gateway_call
from test_http_port import curl, http_address, samples, value

CHROMIUM = shutil.which("chromium")


class Browser:
    """A headless chromium with one page, spoken to over --remote-debugging-pipe (fd 3 in, fd 4 out)."""

    def __init__(self, profile):
        self.commands_read, self.commands = os.pipe()
        self.answers, self.answers_write = os.pipe()

        def pipes():
            os.dup2(self.commands_read, 3)
            os.dup2(self.answers_write, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--window-size=1280,900",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=pipes, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(self.commands_read)
        os.close(self.answers_write)
        self.next_id = 0
        self.buffer = b""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def send(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.answers, 1 << 20)
                assert chunk, "chromium closed its pipe"
                self.buffer += chunk
            raw, _, self.buffer = self.buffer.partition(b"\0")
            answer = json.loads(raw)
            if answer.get("id") == self.next_id:
                assert "error" not in answer, answer
                return answer["result"]

    def open(self, url):
        self.send("Page.navigate", self.session, url=url)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", self.session, expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression, timeout=15):
        """The value of `expression` once it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            assert time.monotonic() < deadline, f"never true in the page: {expression}"
            time.sleep(0.1)

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", self.session, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        self.process.kill()
        self.process.wait()
        os.close(self.commands)
        os.close(self.answers)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_dashboard_shows_live_progress_and_a_tasks_history(tmp_path):
    running = start_server(tmp_path, "--http-port", "0")
    browser = None
    try:
        address = http_address(running)
        status, page = curl(address, "/")
        assert status == 200 and "<script src=\"/dashboard.js\"></script>" in page
        client = running.client
        client.register_task_type("images.resize", "1.0.0", {"type": "object"})
        client.register_task_type("reports.monthly", "1.0.0", {"type": "object"})
        for n in range(3):
            client.create_task("reports.monthly", {"month": n + 1}, max_attempts=1)
        finished = [client.claim_task("worker-a", type_pattern="reports.%") for _ in range(2)]
        client.complete_task(finished[0].id, "worker-a", {"pages": 12}, attempt=finished[0].attempts)
        client.fail_task(finished[1].id, "worker-a", "printer on fire", attempt=finished[1].attempts)
        task = client.create_task("images.resize", {"width": 640, "source": "cat.png"}).task
        claimed = client.claim_task("worker-b", type_pattern="images.%")
        assert claimed.id == task.id
        client.update_progress(task.id, "worker-b", 20, "decoding", attempt=claimed.attempts)

        browser = Browser(tmp_path / "profile")
        browser.open(f"http://{address}/")
        bar = f'document.querySelector(\'#running tr[data-task="{task.id}"] .fill\')'
        first = browser.wait_for(f"{bar} && {bar}.style.width")
        assert first == "20%"
        assert browser.wait_for("document.getElementById('live').textContent === 'live'")
        # The worker goes on; the page hears of it over the stream, without reloading.
        client.update_progress(task.id, "worker-b", 70, "resizing", attempt=claimed.attempts)
        second = browser.wait_for(f"{bar}.style.width === '70%' && {bar}.style.width")
        assert (first, second) == ("20%", "70%")
        row = browser.evaluate(f"document.querySelector('#running tr[data-task=\"{task.id}\"]').textContent")
        assert "images.resize" in row and "worker-b" in row and "resizing" in row, row
        counts = browser.wait_for("document.getElementById('status-counts').textContent.includes('claimed') && "
                                  "document.getElementById('status-counts').textContent")
        assert "failed" in counts and "completed" in counts, counts
        assert browser.evaluate("document.querySelectorAll('#chart rect').length") >= 2
        browser.screenshot(tmp_path / "dashboard.png")
        if os.environ.get("TASKMANAGER_UPDATE_SCREENSHOT") == "1":
            shutil.copy(tmp_path / "dashboard.png", Path(__file__).resolve().parents[2] / "docs" / "dashboard.png")

        # The task's page: parameters and its history, live too.
        browser.evaluate(f"location.hash = '#task/{task.id}'")
        timeline = browser.wait_for("document.getElementById('timeline').textContent.includes('progress_update') && "
                                    "document.getElementById('timeline').textContent")
        assert "created" in timeline and "claimed" in timeline and "resizing" in timeline, timeline
        assert '"source": "cat.png"' in browser.evaluate("document.getElementById('task-params').textContent")
        client.complete_task(task.id, "worker-b", {"width": 640}, attempt=claimed.attempts)
        assert browser.wait_for("document.getElementById('timeline').textContent.includes('completed')")
        assert '"width": 640' in browser.wait_for(
            "document.getElementById('task-result').textContent !== '–' && document.getElementById('task-result').textContent")
    finally:
        if browser:
            browser.close()
        running.stop()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_dashboard_stays_responsive_with_10000_tasks_and_100_running(tmp_path):
    running = start_server(tmp_path, "--http-port", "0")
    browser = None
    try:
        address = http_address(running)
        client = running.client
        client.register_task_type("bulk.job", "1.0.0", {"type": "object"})
        for batch in range(10):
            tasks = [{"type": "bulk.job", "paramsJson": json.dumps({"n": batch * 1000 + n})} for n in range(1000)]
            status, _, payload = gateway_call(address, "CreateTasks", {"tasks": tasks})
            assert status == 200, payload
        claimed = client.claim_tasks("worker-1", 100, type_pattern="bulk.%")
        assert len(claimed) == 100

        browser = Browser(tmp_path / "profile")
        started = time.monotonic()
        browser.open(f"http://{address}/")
        browser.wait_for("document.querySelectorAll('#running tbody tr').length === 100")
        browser.wait_for("document.getElementById('live').textContent === 'live'")
        loaded = time.monotonic() - started
        counts = browser.evaluate("document.getElementById('status-counts').textContent")
        assert "9900pending" in counts and "100claimed" in counts, counts

        # Every running task reports once: the last report shows within seconds.
        started = time.monotonic()
        for task in claimed:
            client.update_progress(task.id, "worker-1", 50, "half", attempt=task.attempts)
        last = claimed[-1].id
        browser.wait_for(f"document.querySelector('#running tr[data-task=\"{last}\"] .fill').style.width === '50%'")
        browser.wait_for("[...document.querySelectorAll('#running .fill')].every(fill => fill.style.width === '50%')")
        updated = time.monotonic() - started
        assert loaded < 10 and updated < 10, (loaded, updated)
        print(f"dashboard: loaded in {loaded:.2f} s, 100 progress reports shown in {updated:.2f} s")
    finally:
        if browser:
            browser.close()
        running.stop()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_the_dashboard_asks_for_a_key_and_keeps_it(tmp_path):
    running = start_server(tmp_path, "--http-port", "0", "--api-key", "dashboard-secret")
    browser = None
    try:
        address = http_address(running)
        browser = Browser(tmp_path / "profile")
        browser.open(f"http://{address}/")
        error = browser.wait_for("document.getElementById('error').textContent")
        assert "unauthenticated" in error, error
        assert browser.evaluate("document.getElementById('live').textContent") == "offline"
        browser.evaluate("document.getElementById('key').value = 'dashboard-secret';"
                         "document.getElementById('key-form').requestSubmit()")
        browser.wait_for("document.getElementById('live').textContent === 'live'")
        assert browser.wait_for("document.getElementById('error').textContent === ''")
        # The refused stream's retry (2 s later) gives way to the new key's stream: one stream, not two.
        time.sleep(2.5)
        status, metrics = curl(address, "/metrics", "-H", "Authorization: Bearer dashboard-secret")
        assert status == 200
        assert value(samples(metrics), "taskmanager_calls_in_flight") == 1, metrics
        # The key stays in the browser: a reload needs no typing.
        browser.open(f"http://{address}/")
        browser.wait_for("document.getElementById('live').textContent === 'live'")
        assert browser.evaluate("document.getElementById('key').value") == "dashboard-secret"
    finally:
        if browser:
            browser.close()
        running.stop()
