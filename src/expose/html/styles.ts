/** The page's stylesheet, served from /page/assets (CSP style-src 'self'; no inline styles anywhere). */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --fg: #1c2330; --muted: #5d6b7e; --card: #fff; --line: #dfe3ea;
  --accent: #2356c5; --bad: #b3261e; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4d6;
  --ok: #1e7a3c; --ok-bg: #e5f5ea; --hit-bg: #ffe58a; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171c; --fg: #e4e8ee; --muted: #9aa6b6; --card: #1d2128; --line: #323844; --accent: #8db1ff;
    --bad: #ff8a80; --bad-bg: #3b1f1d; --warn: #f4c76b; --warn-bg: #3a2f14; --ok: #7fd69a; --ok-bg: #173022; --hit-bg: #6b5600; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
code, pre, .cmdline { font-family: var(--mono); font-size: 13px; }
.top { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: baseline; padding: .7rem 1.2rem; background: var(--card); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--fg); }
.host { color: var(--muted); font-family: var(--mono); }
.live { margin-left: auto; color: var(--muted); font-size: .85rem; }
.live.error { color: var(--bad); }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.2rem; }
.aside { max-width: 1200px; margin: 0 auto; padding: 0 1.2rem 1rem; }
.foot { max-width: 1200px; margin: 0 auto; padding: 1rem 1.2rem 2rem; color: var(--muted); display: flex; gap: 1rem; flex-wrap: wrap; font-size: .85rem; }
h1 { font-size: 1.35rem; margin: .6rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .6rem; }
h4 { margin: .4rem 0; font-size: .9rem; font-weight: 600; overflow-wrap: anywhere; }
.count { display: inline-block; min-width: 1.6em; padding: 0 .4em; border-radius: 1em; background: var(--line); font-size: .8rem; text-align: center; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: .6rem 0; min-width: 0; }
.card > h2:first-child { margin-top: .2rem; }
.card > header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.incident.sev-critical { border-left: 4px solid var(--bad); }
.incident.sev-warning { border-left: 4px solid var(--warn); }
.incident-link { font-weight: 600; overflow-wrap: anywhere; }
.scan { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; color: var(--muted); font-size: .9rem; }
.scan.stale { color: var(--warn); }
.problems, .warn, .warn-note { color: var(--warn); }
.warn-note, .ok-note { padding: .6rem .8rem; border-radius: 6px; }
.warn-note { background: var(--warn-bg); }
.ok-note { background: var(--ok-bg); color: var(--ok); }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1em; font-size: .8rem; font-weight: 600; white-space: nowrap; background: var(--line); }
.state-confirmed, .cls-hung, .down { background: var(--bad-bg); color: var(--bad); }
.state-suspect, .cls-overdue { background: var(--warn-bg); color: var(--warn); }
.state-remediated, .state-resolved, .up { background: var(--ok-bg); color: var(--ok); }
.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: .6rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.untrusted, .cmdline { overflow-wrap: anywhere; word-break: break-word; white-space: pre-wrap; }
.ctl { font-family: var(--mono); font-size: .75em; padding: 0 .2em; border: 1px solid var(--warn); border-radius: 3px; color: var(--warn); }
.target-cmd { margin: .4rem 0; }
table { width: 100%; border-collapse: collapse; margin: .4rem 0; table-layout: auto; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
td { min-width: 0; }
tr.hung td { background: var(--bad-bg); }
details { margin: .5rem 0; }
summary { cursor: pointer; color: var(--accent); }
.stack { display: grid; gap: .6rem; }
.thread { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .6rem; overflow-x: auto; }
.thread.has-hits { border-color: var(--bad); }
.frames { list-style: none; margin: 0; padding: 0; font-family: var(--mono); font-size: 13px; }
.frame { padding: .1rem .3rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.frame .idx { color: var(--muted); display: inline-block; min-width: 2.6em; }
.frame .mod, .frame .addr, .frame .src, .frame .off { color: var(--muted); }
.frame.hit { background: var(--hit-bg); border-radius: 4px; font-weight: 600; }
.frame.hit mark { background: transparent; color: inherit; }
.hit-tag { margin-left: .5rem; font-size: .72rem; text-transform: uppercase; letter-spacing: .04em; color: var(--bad); }
pre.raw-stack { max-height: 28rem; overflow: auto; padding: .6rem; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; white-space: pre; }
.timeline { margin: .3rem 0; padding-left: 1.2rem; }
.kill-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.kill-form label { width: 100%; font-weight: 600; }
.kill-form input { flex: 1 1 16rem; padding: .45rem .6rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.kill-form .confirm { width: 100%; padding: .6rem .8rem; border-radius: 6px; background: var(--bad-bg); }
.kill-form [hidden], [hidden] { display: none !important; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
button:disabled { opacity: .55; cursor: default; }
.kill-result { width: 100%; margin: .3rem 0 0; overflow-wrap: anywhere; }
@media (max-width: 700px) {
  body { font-size: 14px; }
  main, .aside, .foot { padding-left: .7rem; padding-right: .7rem; }
  .live { margin-left: 0; width: 100%; }
  .facts { grid-template-columns: minmax(0, 1fr); gap: 0; }
  .facts dt { margin-top: .45rem; font-size: .8rem; }
  table, thead, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; left: -9999px; }
  tr { border: 1px solid var(--line); border-radius: 6px; margin: .4rem 0; padding: .2rem 0; }
  td { border: 0; display: grid; grid-template-columns: 6.5rem minmax(0, 1fr); gap: .5rem; padding: .2rem .6rem; }
  td::before { content: attr(data-label); color: var(--muted); font-size: .8rem; }
}
`;
