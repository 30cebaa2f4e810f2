/// The dashboard's page, served at `/`: the overview (counts, running tasks, the last hour's chart, types) and a
/// task's page (`#task/ID`), filled in by `DashboardScript`.
///
/// Kept as a string so that the binary carries it: no build step, no file to install beside it.
enum DashboardPage {
    static let text = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TaskManager</title>
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header>
  <h1><a href="#">TaskManager</a></h1>
  <form id="key-form">
    <label>API key <input id="key" type="password" autocomplete="off" placeholder="none"></label>
    <button type="submit">Use key</button>
  </form>
  <span id="live" class="off">offline</span>
</header>
<p id="error" role="alert"></p>
<main id="overview">
  <section>
    <h2>Tasks by status</h2>
    <div id="status-counts" class="counts"></div>
  </section>
  <section>
    <h2>Running</h2>
    <table id="running">
      <thead><tr><th>Task</th><th>Type</th><th>Worker</th><th>Progress</th><th>Message</th><th>ETA</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="running-empty" class="empty">No task is running.</p>
  </section>
  <section>
    <h2>Completed and failed per minute, last hour</h2>
    <svg id="chart" viewBox="0 0 600 100" preserveAspectRatio="none" role="img" aria-label="completed and failed per minute"></svg>
    <p class="legend"><span class="completed">completed</span> <span class="failed">failed</span></p>
  </section>
  <section>
    <h2>By type</h2>
    <table id="types">
      <thead><tr><th>Type</th><th>Pending</th><th>Running</th><th>Completed</th><th>Failed</th><th>Cancelled</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<main id="task-page" hidden>
  <p><a href="#">&larr; All tasks</a></p>
  <h2 id="task-title"></h2>
  <p><button id="cancel" type="button">Cancel task</button></p>
  <dl id="task-fields"></dl>
  <h3>Parameters</h3>
  <pre id="task-params"></pre>
  <h3>Result</h3>
  <pre id="task-result"></pre>
  <h3>History</h3>
  <ol id="timeline"></ol>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
"""#
}
