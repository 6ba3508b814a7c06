// The dashboard (/) and /monitoring: everything on them follows the live feed.
//   system:health   the dependency table, the overall status and the layer tiles
//   system:traffic  a per-minute traffic point every few seconds: charts and 5-minute figures
//   alerts          open alerts appear, change and leave
//   events:*        the recent activity list
//   logs            the live log tail (admins), filtered on the server by level and text
// Every page works without this script; it only keeps what the server rendered current.
(function () {
  "use strict";

  const ACTIVITY_LIMIT = 15;
  const NOISE = new Set(["ServiceInvoked", "ServiceRegistered", "WorkflowProgress", "GoalProgressed", "ToolExecuted"]);
  const PAGES = { Agent: "/agents/", Workflow: "/workflows/", WorkflowRun: "/workflows/runs/", Goal: "/goals/" };

  function el(name, attributes, text) {
    const node = document.createElement(name);
    Object.entries(attributes || {}).forEach(([key, value]) => {
      if (key === "className") node.className = value; else node.setAttribute(key, value);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function badge(status) {
    return el("span", { className: `status status-${status}` }, status);
  }

  function clock(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(11, 19);
  }

  // --- health ----------------------------------------------------------------------------------
  function renderHealth(report) {
    const overall = document.getElementById("overall");
    if (!overall) return;
    overall.className = `status status-${report.status}`;
    overall.textContent = report.status;
    const glance = document.getElementById("glance-status");
    if (glance) { glance.className = `status status-${report.status}`; glance.textContent = report.status; }
    const body = document.querySelector("#dependencies tbody");
    body.replaceChildren(...report.dependencies.map((dep) => {
      const row = el("tr", { "data-dependency": dep.name });
      const cells = [dep.name, null, dep.critical ? "yes" : "no", `${dep.latency_ms} ms`, dep.error || ""];
      cells.forEach((value, index) => {
        const cell = el("td", index === 3 ? { className: "num" } : index === 4 ? { className: "muted" } : {});
        if (index === 1) cell.append(badge(dep.status)); else cell.textContent = value;
        row.append(cell);
      });
      return row;
    }));
    document.getElementById("health-updated").textContent = `Last update ${new Date().toLocaleTimeString()}.`;
    refreshLayers();
  }

  // Layer statuses derive from the same checks with per-layer criticality; ask the server.
  async function refreshLayers() {
    const response = await fetch("/api/v1/layers/", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { layers } = await response.json();
    layers.forEach((layer) => {
      const tile = document.querySelector(`[data-layer="${layer.code}"] .status`);
      if (tile) { tile.className = `status status-${layer.status}`; tile.textContent = layer.status; }
    });
  }

  // --- traffic ---------------------------------------------------------------------------------
  const traffic = { points: [], limit: 60 };

  function milliseconds(value) {
    return value < 1000 ? `${Math.round(value)} ms` : `${Number((value / 1000).toPrecision(3))} s`;
  }

  function drawTraffic() {
    if (!window.StoryCharts || !document.getElementById("rate-chart")) return;
    const x = traffic.points.map((point) => new Date(point.t * 1000));
    window.StoryCharts.time(document.getElementById("rate-chart"), {
      x, series: [{ label: "requests/s", values: traffic.points.map((p) => p.rate) }],
      y: { min: 0, format: (v) => v.toFixed(v < 10 ? 2 : 0) }, empty: "No requests in the last hour.",
    });
    window.StoryCharts.time(document.getElementById("latency-chart"), {
      x,
      series: ["p50", "p95", "p99"].map((name) => ({ label: name, values: traffic.points.map((p) => p[name]) })),
      y: { min: 0, format: milliseconds }, empty: "No requests in the last hour.",
    });
    window.StoryCharts.time(document.getElementById("errors-chart"), {
      x, series: [{ label: "5xx share", values: traffic.points.map((p) => (p.error_rate === null ? null : 100 * p.error_rate)) }],
      y: { min: 0, max: 100, format: (v) => `${Math.round(v)}%` }, empty: "No requests in the last hour.",
    });
  }

  function mergeTraffic(points) {
    const byMinute = new Map(traffic.points.map((point) => [point.t, point]));
    points.forEach((point) => byMinute.set(point.t, point));
    traffic.points = [...byMinute.values()].sort((a, b) => a.t - b.t).slice(-traffic.limit);
  }

  function setText(id, text) {
    const node = document.getElementById(id);
    if (node) node.textContent = text;
  }

  function onTraffic(message) {
    const payload = message.payload || {};
    mergeTraffic(payload.points || []);
    drawTraffic();
    const summary = payload.summary;
    if (summary) {
      setText("glance-rate", summary.request_rate.toFixed(2));
      setText("glance-errors", `${Math.round(100 * summary.error_rate)}%`);
      setText("glance-p95", summary.latency_ms.p95 === null ? "—" : milliseconds(summary.latency_ms.p95));
    }
    setText("traffic-updated", `Updated ${new Date().toLocaleTimeString()}`);
  }

  // --- alerts ----------------------------------------------------------------------------------
  function alertItem(alert) {
    const item = el("li", { "data-alert-id": alert.id, className: `alert-item severity-${alert.severity}` });
    item.append(badge(alert.status), " ", el("span", { className: "badge severity" }, alert.severity), " ",
      el("strong", {}, alert.rule), " ", el("span", { className: "alert-message" }, (alert.details || {}).message || ""),
      " ", el("span", { className: "muted small" }, `since ${clock(alert.started_at)}`));
    // On /monitoring, writers may take a firing alert: the page's form, pointed at this one.
    const template = document.getElementById("ack-form");
    if (template && alert.status === "firing") {
      const form = template.content.firstElementChild.cloneNode(true);
      form.action = form.getAttribute("action").replace("ALERT_ID", encodeURIComponent(alert.id));
      item.append(form);
    }
    return item;
  }

  function onAlert(message) {
    const list = document.getElementById("alert-list");
    if (!list) return;
    const alert = message.payload || {};
    const existing = list.querySelector(`li[data-alert-id="${CSS.escape(alert.id || "")}"]`);
    if (alert.status === "resolved") {
      if (existing) existing.remove();
    } else if (existing) {
      existing.querySelector(".status").replaceWith(badge(alert.status));
      if (alert.status !== "firing") existing.querySelectorAll("form").forEach((form) => form.remove());
    } else {
      list.prepend(alertItem(alert));
    }
    const count = list.querySelectorAll("li").length;
    setText("alert-count", String(count));
    const none = document.getElementById("no-alerts");
    if (none) none.hidden = count > 0;
  }

  // --- activity --------------------------------------------------------------------------------
  function label(payload) {
    for (const key of ["name", "title", "workflow", "username", "tool", "step_id"]) {
      if (payload[key]) return String(payload[key]);
    }
    return "";
  }

  function onEvent(message) {
    const list = document.getElementById("activity");
    if (!list || NOISE.has(message.type) || !message.aggregate_type) return;
    const payload = message.payload || {};
    const item = el("li", { "data-type": message.type, className: "fresh" });
    const text = label(payload) || message.aggregate_type;
    const page = PAGES[message.aggregate_type];
    const target = page && message.aggregate_id && message.type !== "AgentDeleted" && message.type !== "GoalDeleted"
      ? el("a", { href: `${page}${message.aggregate_id}` }, text) : el("span", {}, text);
    item.append(el("time", { datetime: message.timestamp }, clock(message.timestamp)), " ",
      el("span", { className: "badge" }, message.type), " ", target);
    list.querySelectorAll("li.empty").forEach((node) => node.remove());
    list.prepend(item);
    while (list.children.length > ACTIVITY_LIMIT) list.lastElementChild.remove();
  }

  // --- logs ------------------------------------------------------------------------------------
  // An access log record says what was asked and how it went; others keep their fields in
  // the line's tooltip.
  function summary(fields) {
    if (!fields.method || !fields.path) return "";
    const took = fields.duration_ms === undefined ? "" : ` ${Math.round(fields.duration_ms)} ms`;
    return ` ${fields.method} ${fields.path} ${fields.status || ""}${took}${fields.caller ? ` (${fields.caller})` : ""}`;
  }

  function startLogs() {
    const tail = document.getElementById("log-tail");
    if (!tail) return;
    const limit = Number(tail.dataset.limit || 200);
    const level = document.getElementById("log-level");
    const text = document.getElementById("log-text");
    const pause = document.getElementById("log-pause");
    let paused = false;
    let typing = null;

    function applyFilter() {
      window.StoryFeed.filter("logs", { level: level.value, text: text.value.trim() });
      tail.replaceChildren();
    }
    level.addEventListener("change", applyFilter);
    text.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(applyFilter, 400); });
    pause.addEventListener("click", () => {
      paused = !paused;
      pause.textContent = paused ? "Resume" : "Pause";
    });
    window.StoryFeed.filter("logs", { level: level.value, text: "" });
    window.StoryFeed.on("logs", (message) => {
      if (paused) return;
      const record = message.payload || {};
      document.getElementById("log-empty").hidden = true;
      const line = el("li", { className: `log-line level-${record.level}` });
      line.append(el("time", { datetime: record.timestamp }, clock(record.timestamp)), " ",
        el("span", { className: "log-level" }, record.level), " ",
        el("span", { className: "log-logger muted" }, record.logger), " ",
        el("span", { className: "log-event" }, record.event + summary(record.fields || {}) + (record.exception ? ` — ${record.exception}` : "")));
      const fields = record.fields || {};
      if (Object.keys(fields).length) line.title = JSON.stringify(fields);
      const atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
      tail.append(line);
      while (tail.children.length > limit) tail.firstElementChild.remove();
      if (atBottom) tail.scrollTop = tail.scrollHeight;
    });
  }

  function start() {
    const data = document.getElementById("traffic-data");
    if (data) {
      traffic.points = JSON.parse(data.textContent);
      traffic.limit = Math.max(traffic.points.length, 1);
      drawTraffic();
    }
    document.querySelectorAll("time[datetime]").forEach((node) => { node.title = node.getAttribute("datetime"); });
    if (!window.StoryFeed) return;
    window.StoryFeed.on("system:health", (message) => renderHealth(message.payload));
    window.StoryFeed.on("system:traffic", onTraffic);
    window.StoryFeed.on("alerts", onAlert);
    ["events:agent", "events:service", "events:workflow", "events:goal"].forEach((channel) => window.StoryFeed.on(channel, onEvent));
    startLogs();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
