// The supervisors' wallboard (WEB2), on the public GraphQL API only: the agents of the teams the
// signed-in supervisor leads (the server sends no others, SUP3), live.
import uPlot from "uplot";
import { act, gql, stream } from "./api.js";
import { t, time } from "./i18n.js";
import { ErrorLine, Page, guarded, html, render, useEffect, useRef, useState } from "./ui.js";

const R = "__typename ... on Error { code message }";
const Q = {
  people: `query($after: String) { directory(kinds: [AGENT, TEAM_LEAD], first: 50, after: $after) {
    edges { node { userId name } } pageInfo { hasNextPage endCursor } } }`,
  groups: "{ directory(kinds: [AGENT_GROUP, INTERACTION_QUEUE], first: 50) { edges { node { id kind name availability { channel } } } } }",
  presence: `subscription($after: String) { presenceChanged(after: $after) { agentId teamId channel state reason since at snapshot cursor } }`,
  group: `subscription($g: ID!, $after: String) { groupAvailabilityChanged(groupId: $g, after: $after) { groupId channel available loggedIn members asOf cursor } }`,
  team: `subscription($after: String) { teamInteractions(after: $after) { cursor interaction { id channel kind state createdAt
    parties { userId displayName role state } offers { id state targetName createdAt } } } }`,
  supervisions: "{ mySupervisions { id agentId mode } }",
  waiting: "{ waitingRequests { offerId targetName waitingSince } }",
  // The charts' last hour before the page opened, from the server's history (same audience as the streams).
  history: `{ r: wallboardHistory(minutes: 60) { ${R}
    ... on WallboardHistory { until points { at ready notReady busy wrapUp waiting } } } }`,
};
const WAITING_EVERY = 3000; // ms: the waiting requests are read again (and on every team change)
const M = {
  start: `mutation($a: ID!, $m: SupervisionMode!) { r: startMonitoring(agentId: $a, mode: $m) { ${R} ... on Supervision { id agentId mode } } }`,
  switch: `mutation($s: ID!, $m: SupervisionMode!) { r: switchSupervisionMode(supervisionId: $s, mode: $m) { ${R} ... on Supervision { id agentId mode } } }`,
  stop: `mutation($s: ID!) { r: stopMonitoring(supervisionId: $s) { ${R} } }`,
};
const STATES = ["READY", "NOT_READY", "BUSY", "WRAP_UP"];
const POINT_FIELDS = ["ready", "notReady", "busy", "wrapUp", "waiting"]; // a history point's counts, in chart order
const HOUR = 3600;
const SAMPLE_EVERY = 10000; // ms: a live point from the streams' figures
const seconds = (iso) => new Date(iso).getTime() / 1000; // uPlot time: seconds, to the millisecond

// Each count holds until the next point (the history is a step function), so the lines step.
const stepped = uPlot.paths.stepped({ align: 1 });

/** The points of the last hour before `now`, the one in effect an hour ago kept (moved to then):
 * the lines step, so it holds until the next. */
function lastHour(h, now) {
  const from = now - HOUR;
  const later = h[0].findIndex((x) => x > from);
  const k = later < 0 ? h[0].length - 1 : later - 1;
  if (k <= 0) return h;
  return h.map((a, i) => i === 0 ? [Math.max(a[k], from), ...a.slice(k + 1)] : a.slice(k));
}

function Chart({ title, series, data }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    plot.current = new uPlot({ title, width: 520, height: 180, series: [{}, ...series.map((label, i) => ({ label, paths: stepped, stroke: ["#2a7", "#c80", "#c33", "#36c"][i % 4] }))],
      axes: [{ values: (_, ticks) => ticks.map((s) => time(new Date(s * 1000).toISOString())) }, {}] }, data, box.current);
    return () => plot.current.destroy();
  }, []);
  useEffect(() => { if (plot.current) plot.current.setData(data); }, [data]);
  // data-plot: what is drawn ([x seconds, then one array per series]), for tests and tools.
  return html`<figure class="chart" aria-label=${title} data-plot=${JSON.stringify(data)} ref=${box}></figure>`;
}

function Board({ me }) {
  const [names, setNames] = useState({});
  const [presence, setPresence] = useState({});   // agentId -> channel -> change
  const [calls, setCalls] = useState({});         // interaction id -> interaction
  const [groups, setGroups] = useState([]);
  const [figures, setFigures] = useState({});     // groupId -> channel -> figures
  const [supervisions, setSupervisions] = useState({}); // agentId -> supervision
  const [queued, setQueued] = useState([]);       // the requests waiting now (waitingRequests)
  const [history, setHistory] = useState([[], [], [], [], [], []]);
  const [error, setError] = useState(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    (async () => {
      const all = {};
      let after = null;
      for (;;) {
        const d = (await gql(Q.people, { after })).directory;
        d.edges.forEach((e) => { if (e.node.userId) all[e.node.userId] = e.node.name; });
        if (!d.pageInfo.hasNextPage) break;
        after = d.pageInfo.endCursor;
      }
      setNames(all);
      const g = (await gql(Q.groups)).directory.edges.map((e) => e.node).filter((n) => n.availability);
      setGroups(g);
      const sup = (await gql(Q.supervisions)).mySupervisions;
      setSupervisions(Object.fromEntries(sup.map((s) => [s.agentId, s])));
    })().catch((e) => setError(e.message));
    const stops = [
      stream(Q.presence, {}, "presenceChanged", (c) => setPresence((p) => ({ ...p, [c.agentId]: { ...(p[c.agentId] || {}), [c.channel]: c } }))),
      stream(Q.team, {}, "teamInteractions", ({ interaction }) => setCalls((all) => {
        const next = { ...all };
        if (interaction.state === "ENDED") delete next[interaction.id]; else next[interaction.id] = interaction;
        return next;
      })),
    ];
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => { stops.forEach((s) => s()); clearInterval(clock); };
  }, []);
  // Waiting requests, customers with no agent yet included: read from the server, which says
  // which ones this supervisor may watch (SUP3), now and after every change of their teams.
  const readWaiting = () => gql(Q.waiting).then((d) => setQueued(d.waitingRequests)).catch((e) => setError(e.message));
  useEffect(() => {
    readWaiting();
    const timer = setInterval(readWaiting, WAITING_EVERY);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => { readWaiting(); }, [calls]);
  useEffect(() => {
    const stops = groups.map((g) => stream(Q.group, { g: g.id }, "groupAvailabilityChanged",
      (f) => setFigures((all) => ({ ...all, [f.groupId]: { ...(all[f.groupId] || {}), [f.channel]: f } }))));
    return () => stops.forEach((s) => s());
  }, [groups]);

  // Waiting requests per queue (or group, skill, routing point) they wait for.
  const waiting = {};
  queued.forEach((w) => { (waiting[w.targetName] = waiting[w.targetName] || []).push(w); });
  const waitingCount = Object.values(waiting).reduce((n, l) => n + l.length, 0);
  const agents = Object.keys(presence).sort((a, b) => (names[a] || a).localeCompare(names[b] || b));
  const countState = (state) => agents.filter((a) => Object.values(presence[a]).some((c) => c.state === state)).length;

  // The charts: the last hour as the server's history tells it (read once), then one point
  // every 10 s from the live figures above; points older than an hour are dropped.
  const latest = useRef({});
  latest.current = { counts: STATES.map(countState), waitingCount };
  useEffect(() => {
    act(Q.history).then(({ until, points }) => setHistory((h) => {
      // Live points taken while the history was read come after it.
      const later = h[0].findIndex((x) => x > seconds(until));
      const live = (a) => later < 0 ? [] : a.slice(later);
      return [[...points.map((p) => seconds(p.at)), ...live(h[0])],
        ...POINT_FIELDS.map((f, i) => [...points.map((p) => p[f]), ...live(h[i + 1])])];
    })).catch((e) => setError(e.message));
    // No live point at once: until the streams' snapshots are in, the figures are not whole.
    const sample = () => setHistory((h) => {
      const x = Date.now() / 1000;
      const kept = lastHour(h, x);
      const v = latest.current;
      return [[...kept[0], x], ...STATES.map((_, i) => [...kept[i + 1], v.counts[i]]), [...kept[5], v.waitingCount]];
    });
    const timer = setInterval(sample, SAMPLE_EVERY);
    return () => clearInterval(timer);
  }, []);

  const supervise = (agentId, mode) => guarded(setError, async () => {
    const current = supervisions[agentId];
    const s = current ? await act(M.switch, { s: current.id, m: mode }) : await act(M.start, { a: agentId, m: mode });
    setSupervisions((all) => ({ ...all, [agentId]: s }));
  })();
  const stop = (agentId) => guarded(setError, async () => {
    await act(M.stop, { s: supervisions[agentId].id });
    setSupervisions((all) => { const n = { ...all }; delete n[agentId]; return n; });
  })();
  const currentOf = (agentId) => Object.values(calls).find((it) => it.parties.some((p) => p.userId === agentId && p.state !== "LEFT"));
  const ago = (iso) => `${Math.max(0, Math.round((now - new Date(iso)) / 1000))} s`;

  if (me.role === "AGENT") return html`<p class="error" role="alert">${t("wb.notSupervisor")}</p>`;
  return html`<div class="board">
    <section class="card" aria-labelledby="agents-h"><h2 id="agents-h">${t("wb.agents")} (${agents.length})</h2>
      <table class="agents"><thead><tr><th scope="col">${t("wb.agent")}</th><th scope="col">voice · chat · email · im</th>
        <th scope="col">${t("wb.current")}</th><th scope="col"></th></tr></thead>
      <tbody>${agents.map((a) => {
        const it = currentOf(a);
        const sup = supervisions[a];
        return html`<tr data-agent=${names[a] || a}><th scope="row">${names[a] || a}</th>
          <td>${Object.values(presence[a]).map((c) => html`<span class="chip" data-channel=${c.channel} data-state=${c.state}>${c.channel}:
            <span class=${"state s-" + c.state}>${t("state." + c.state)}</span>${c.reason ? ` (${c.reason})` : ""} <small>${c.since ? t("since", { time: time(c.since) }) : ""}</small></span>`)}</td>
          <td data-testid="current">${it ? `${it.channel} ${it.kind} · ${ago(it.createdAt)}` : t("wb.none")}</td>
          <td>${["MONITOR", "COACH", "BARGE"].map((m) => html`<button aria-pressed=${sup && sup.mode === m} onClick=${() => supervise(a, m)}>${t("wb." + m.toLowerCase())}</button>`)}
            ${sup && html`<button onClick=${() => stop(a)}>${t("wb.stop")}</button>`}</td></tr>`;
      })}</tbody></table><${ErrorLine} error=${error} /></section>
    <section class="card" aria-labelledby="queues-h"><h2 id="queues-h">${t("wb.queues")}: <span data-testid="waiting-total">${waitingCount}</span></h2>
      <table><thead><tr><th scope="col">${t("wb.queue")}</th><th scope="col">${t("wb.waiting")}</th><th scope="col">${t("wb.longest")}</th></tr></thead>
      <tbody>${Object.entries(waiting).map(([queue, offers]) => html`<tr data-queue=${queue}><th scope="row">${queue}</th><td data-testid="waiting">${offers.length}</td>
        <td>${ago(offers.map((o) => o.waitingSince).sort()[0])}</td></tr>`)}</tbody></table></section>
    <section class="card" aria-labelledby="groups-h"><h2 id="groups-h">${t("wb.groups")}</h2>
      <table><tbody>${groups.map((g) => html`<tr data-group=${g.name}><th scope="row">${g.name}</th><td>${Object.values(figures[g.id] || {}).map((f) =>
        html`<span class="chip">${t("tc.available", { n: f.available, m: f.members, channel: f.channel })}</span>`)}</td></tr>`)}</tbody></table></section>
    <section class="card" aria-labelledby="charts-h"><h2 id="charts-h">${t("wb.charts")}</h2>
      <${Chart} title=${t("wb.chartAgents")} series=${STATES.map((s) => t("state." + s))} data=${history.slice(0, 5)} />
      <${Chart} title=${t("wb.chartQueue")} series=${[t("wb.waiting")]} data=${[history[0], history[5]]} /></section>
  </div>`;
}

render(html`<${Page} title=${t("app.wallboard")} app=${(me) => html`<${Board} me=${me} />`} />`, document.getElementById("app"));
