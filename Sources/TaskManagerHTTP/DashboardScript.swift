/// The dashboard's script, served at `/dashboard.js`: it calls the JSON gateway with the key kept in the
/// browser's localStorage, and follows WatchTasks' server-sent events, so nothing is polled.
///
/// Kept as a string so that the binary carries it: no build step, no file to install beside it.
enum DashboardScript {
    static let text = #"""
"use strict";
// The TaskManager dashboard: figures from GetStats, live changes pushed by WatchTasks (server-sent events through
// the JSON gateway), a task's page from GetTask and GetTaskHistory. Every call carries the key kept in localStorage.
const SERVICE = "/taskmanager.v1.TaskService/";
const KEY_ITEM = "taskmanager.key";
const state = { running: new Map(), lastEntry: 0, stream: null, refreshTimer: null };
const $ = (id) => document.getElementById(id);

function headers() {
  const result = { "Content-Type": "application/json" };
  const key = localStorage.getItem(KEY_ITEM);
  if (key) result.Authorization = "Bearer " + key;
  return result;
}

async function rpc(method, body = {}) {
  const response = await fetch(SERVICE + method, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method}: ${json.code}: ${json.message}`);
  return json;
}

function showError(error) {
  $("error").textContent = error ? String(error.message || error) : "";
}

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

const statusName = (status) => (status || "TASK_STATUS_UNSPECIFIED").replace("TASK_STATUS_", "").toLowerCase();
const time = (ms) => (Number(ms) ? new Date(Number(ms)).toLocaleTimeString() : "–");

function eta(task) {
  if (!Number(task.etaMs)) return "–";
  const seconds = Math.max(0, Math.round((Number(task.etaMs) - Date.now()) / 1000));
  if (seconds === 0) return "any moment";
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

async function refreshStats() {
  const stats = await rpc("GetStats");
  $("status-counts").replaceChildren(...(stats.byStatus || []).map((count) =>
    el("div", "count " + statusName(count.status), el("strong", "", String(count.count || 0)), statusName(count.status))));
  $("types").tBodies[0].replaceChildren(...(stats.byType || []).map((type) =>
    el("tr", "", ...[type.type, type.pending, type.claimed, type.completed, type.failed, type.cancelled]
      .map((value) => el("td", "", String(value || 0))))));
  state.running = new Map((stats.inProgress || []).map((task) => [task.id, task]));
  renderRunning();
  renderChart(stats.lastHour || []);
  showError(null);
}

function renderRunning() {
  const tasks = [...state.running.values()].sort((a, b) => Number(a.id) - Number(b.id));
  $("running").tBodies[0].replaceChildren(...tasks.map(runningRow));
  $("running-empty").hidden = tasks.length > 0;
}

function runningRow(task) {
  const percent = Math.max(0, Math.min(100, task.progress || 0));
  const fill = el("div", "fill");
  fill.style.width = percent + "%";
  const link = el("a", "", "#" + task.id);
  link.href = "#task/" + task.id;
  const row = el("tr", task.stalled ? "stalled" : "",
    el("td", "", link), el("td", "", task.type), el("td", "", task.claimedBy || ""),
    el("td", "progress", el("div", "bar", fill), el("span", "percent", percent + "%")),
    el("td", "message", task.progressMessage || "", task.stalled ? el("span", "mark", " stalled") : null),
    el("td", "eta", eta(task)));
  row.dataset.task = task.id;
  return row;
}

function renderChart(minutes) {
  const chart = $("chart");
  const most = Math.max(1, ...minutes.map((minute) => Number(minute.completed || 0) + Number(minute.failed || 0)));
  const width = 600 / Math.max(60, minutes.length);
  const bars = [];
  minutes.forEach((minute, index) => {
    const completed = (Number(minute.completed || 0) / most) * 100;
    const failed = (Number(minute.failed || 0) / most) * 100;
    for (const [kind, height, bottom] of [["completed", completed, 0], ["failed", failed, completed]]) {
      if (!height) continue;
      const bar = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      bar.setAttribute("class", kind);
      bar.setAttribute("x", index * width + 1);
      bar.setAttribute("width", Math.max(1, width - 2));
      bar.setAttribute("y", 100 - bottom - height);
      bar.setAttribute("height", height);
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = `${time(minute.minuteStartMs)}: ${minute.completed || 0} completed, ${minute.failed || 0} failed`;
      bar.append(title);
      bars.push(bar);
    }
  });
  chart.replaceChildren(...bars);
}

// Reads WatchTasks as server-sent events; reconnects after the last entry seen when the stream ends.
async function watch() {
  const controller = new AbortController();
  state.stream = controller;
  try {
    const response = await fetch(SERVICE + "WatchTasks", {
      method: "POST", headers: headers(), signal: controller.signal,
      body: JSON.stringify({ afterHistoryId: String(state.lastEntry) }),
    });
    if (!response.ok) {
      const json = await response.json();
      throw new Error(`WatchTasks: ${json.code}: ${json.message}`);
    }
    $("live").textContent = "live";
    $("live").className = "on";
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        handleEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    showError(error);
  }
  $("live").textContent = "offline";
  $("live").className = "off";
  // Unless a new key started another stream meanwhile.
  setTimeout(() => { if (state.stream === controller) watch(); }, 2000);
}

function handleEvent(block) {
  let kind = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) kind = line.slice(7);
    else if (line.startsWith("data: ")) data += line.slice(6);
  }
  if (kind === "error") showError(new Error("WatchTasks: " + JSON.parse(data).message));
  if (kind !== "message" || !data) return;
  const event = JSON.parse(data);
  if (event.entry && event.entry.id) state.lastEntry = Math.max(state.lastEntry, Number(event.entry.id));
  const task = event.task;
  if (!task) return;
  // A progress report replaces its own row only: with a hundred tasks running, the table is not rebuilt each time.
  const shown = document.querySelector(`#running tr[data-task="${task.id}"]`);
  if (statusName(task.status) === "claimed") {
    state.running.set(task.id, task);
    if (shown) shown.replaceWith(runningRow(task));
    else renderRunning();
  } else if (state.running.delete(task.id)) {
    renderRunning();
  }
  // Counts and the chart change with a task's status, not with its progress.
  if (event.entry && event.entry.statusChange !== "progress_update") scheduleRefresh();
  if (currentTaskId() === task.id) showTask(task.id).catch(showError);
}

function scheduleRefresh() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    refreshStats().catch(showError);
  }, 500);
}

function currentTaskId() {
  const match = location.hash.match(/^#task\/(\d+)$/);
  return match ? match[1] : null;
}

function pretty(text) {
  if (!text) return "–";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

async function showTask(id) {
  const [task, history] = await Promise.all([rpc("GetTask", { id }), rpc("GetTaskHistory", { taskId: id })]);
  const status = statusName(task.status);
  $("task-title").textContent = `Task #${task.id}: ${task.type}, ${status}`;
  const fields = [
    ["Status", status + (task.cancelRequested ? " (cancel requested)" : "") + (task.stalled ? " (stalled)" : "")],
    ["Progress", `${task.progress || 0}% ${task.progressMessage || ""}`], ["Attempts", `${task.attempts || 0} of ${task.maxAttempts || 0}`],
    ["Worker", task.claimedBy || "–"], ["Priority", String(task.priority || 0)], ["Created", time(task.createdAtMs)],
    ["Finished", time(task.completedAtMs)], ["ETA", eta(task)], ["Error", task.errorMessage || "–"],
  ];
  $("task-fields").replaceChildren(...fields.flatMap(([name, value]) => [el("dt", "", name), el("dd", "", value)]));
  $("task-params").textContent = pretty(task.paramsJson);
  $("task-result").textContent = pretty(task.resultJson);
  $("timeline").replaceChildren(...(history.entries || []).map((entry) =>
    el("li", entry.statusChange, el("time", "", time(entry.createdAtMs)), " ", el("strong", "", entry.statusChange), " ",
      entry.message || "", entry.workerId ? ` (${entry.workerId})` : "")));
  $("cancel").hidden = ["completed", "failed", "cancelled"].includes(status) || task.cancelRequested;
}

function route() {
  const id = currentTaskId();
  $("overview").hidden = Boolean(id);
  $("task-page").hidden = !id;
  if (id) showTask(id).catch(showError);
}

$("cancel").addEventListener("click", async () => {
  const id = currentTaskId();
  if (!id || !confirm(`Cancel task #${id}?`)) return;
  try {
    await rpc("CancelTask", { id, reason: "cancelled from the dashboard" });
    await showTask(id);
  } catch (error) {
    showError(error);
  }
});

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem(KEY_ITEM, $("key").value);
  if (state.stream) state.stream.abort();
  start();
});

function start() {
  $("key").value = localStorage.getItem(KEY_ITEM) || "";
  refreshStats().catch(showError);
  watch();
  route();
}

window.addEventListener("hashchange", route);
start();
"""#
}
