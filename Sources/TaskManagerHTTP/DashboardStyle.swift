/// The dashboard's styles, served at `/dashboard.css`: no framework.
///
/// Kept as a string so that the binary carries it: no build step, no file to install beside it.
enum DashboardStyle {
    static let text = #"""
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f5f6f8; }
header { display: flex; align-items: center; gap: 1.5em; padding: 0.6em 1.5em; background: #1d232a; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
header a { color: inherit; text-decoration: none; }
header form { margin-left: auto; }
header input { width: 14em; }
#live { padding: 0.1em 0.6em; border-radius: 1em; background: #8a2a2a; }
#live.on { background: #2a7a3a; }
main { padding: 0 1.5em 2em; }
section { background: #fff; border-radius: 6px; padding: 0.5em 1em 1em; margin-top: 1em; }
h2 { font-size: 1.05em; }
#error { color: #a01818; margin: 0.5em 1.5em; min-height: 1em; }
.counts { display: flex; gap: 1em; flex-wrap: wrap; }
.count { padding: 0.5em 1em; border-radius: 6px; background: #eef0f3; min-width: 6em; }
.count strong { display: block; font-size: 1.6em; }
.count.claimed { background: #e3eefc; } .count.completed { background: #e2f4e5; }
.count.failed { background: #fbe4e4; } .count.cancelled { background: #eee; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #e4e6ea; }
td.progress { width: 30%; }
.bar { display: inline-block; width: 75%; height: 0.8em; background: #e4e6ea; border-radius: 0.4em; overflow: hidden; vertical-align: middle; }
.fill { height: 100%; background: #2f6fd0; transition: width 0.3s; }
tr.stalled .fill { background: #d08a2f; }
.mark { color: #b25d00; font-weight: bold; }
.percent { margin-left: 0.5em; }
.empty { color: #777; }
#chart { width: 100%; height: 120px; background: #fafbfc; }
#chart .completed, .legend .completed::before { fill: #3a9a4a; background: #3a9a4a; }
#chart .failed, .legend .failed::before { fill: #c83a3a; background: #c83a3a; }
.legend span::before { content: ""; display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; }
pre { background: #fff; padding: 0.6em; border-radius: 4px; overflow: auto; }
#timeline li { margin: 0.2em 0; }
#timeline time { color: #666; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
"""#
}
