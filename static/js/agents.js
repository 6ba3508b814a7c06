// Agents pages: follow events:agent live, and confirm before deleting.
// The list updates the status of rows it shows and counts what it cannot show (new or
// deleted agents, rows leaving a status filter) in a "N changes — reload" notice. The agent
// page updates its status, its lifecycle buttons and prepends new log entries.
// Every page works without this script.
(function () {
  "use strict";

  function setBadge(badge, status) {
    if (!badge) return;
    badge.className = `status status-${status}`;
    badge.textContent = status;
  }

  function utc(timestamp) {
    const date = new Date(timestamp);
    return Number.isNaN(date.getTime()) ? timestamp : date.toISOString().slice(0, 19).replace("T", " ");
  }

  function compact(payload) {
    const rest = {};
    Object.keys(payload || {}).sort().forEach((key) => { if (key !== "id") rest[key] = payload[key]; });
    return JSON.stringify(rest);
  }

  // --- the list ----------------------------------------------------------------------------
  function startList(table) {
    const notice = document.getElementById("agents-changes");
    const noticeText = document.getElementById("agents-changes-text");
    const statusFilter = table ? table.dataset.statusFilter : "";
    let changes = 0;

    function countChange() {
      changes += 1;
      noticeText.textContent = `${changes} change${changes === 1 ? "" : "s"} — reload to see ${changes === 1 ? "it" : "them"}.`;
      notice.hidden = false;
    }

    return (message) => {
      const payload = message.payload || {};
      const id = message.aggregate_id || payload.id;
      const row = table && id ? table.querySelector(`tr[data-agent-id="${CSS.escape(id)}"]`) : null;
      if (message.type === "AgentDeleted") {
        if (row && !row.classList.contains("row-gone")) {
          row.classList.add("row-gone");
          setBadge(row.querySelector(".status"), "deleted");
        }
        countChange();
        return;
      }
      if (!row) {
        if (message.type === "AgentCreated") countChange();
        return;
      }
      if (payload.status) {
        const before = row.querySelector(".status").textContent;
        setBadge(row.querySelector(".status"), payload.status);
        if (statusFilter && payload.status !== statusFilter && before === statusFilter) countChange();
      }
      const name = row.querySelector(".agent-name");
      if (payload.name && name) name.textContent = payload.name;
      const layer = row.querySelector(".agent-layer");
      if (payload.layer && layer) layer.textContent = payload.layer;
      row.classList.remove("row-flash");
      void row.offsetWidth; // restart the highlight animation
      row.classList.add("row-flash");
    };
  }

  // --- one agent ---------------------------------------------------------------------------
  function startAgent(card) {
    const id = card.dataset.agentId;
    const log = document.getElementById("agent-log");
    const body = log.querySelector("tbody");
    let fetching = Promise.resolve();

    function showStatus(status) {
      card.dataset.status = status;
      setBadge(document.getElementById("agent-status"), status);
      card.querySelectorAll("form.lifecycle-form[data-from]").forEach((form) => {
        form.hidden = !form.dataset.from.split(" ").includes(status);
      });
    }

    function lastSequence() {
      const first = body.querySelector("tr[data-sequence]");
      return first ? Number(first.dataset.sequence) : 0;
    }

    function cell(text, className) {
      const td = document.createElement("td");
      if (className) td.className = className;
      td.textContent = text;
      return td;
    }

    function prepend(event) {
      if (body.querySelector(`tr[data-sequence="${event.sequence_number}"]`)) return;
      const row = document.createElement("tr");
      row.dataset.sequence = event.sequence_number;
      row.className = "row-flash";
      const time = document.createElement("time");
      time.dateTime = event.timestamp;
      time.textContent = utc(event.timestamp);
      const when = cell("", "num");
      when.append(time);
      const code = document.createElement("code");
      code.className = "payload";
      const text = compact(event.payload);
      code.title = text;
      code.textContent = text.length > 160 ? `${text.slice(0, 159)}…` : text;
      const payload = cell("");
      payload.append(code);
      row.append(when, cell(String(event.sequence_number), "num"), cell(event.event_type),
        cell((event.metadata && event.metadata.actor) || "—"), payload);
      body.prepend(row);
    }

    // The feed message has no metadata (the actor): read the newest entries from the API.
    async function newestEvents() {
      try {
        const response = await fetch(`${card.dataset.logsUrl}?page_size=50`, {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        return response.ok ? (await response.json()).results : null;
      } catch (error) {
        return null;
      }
    }

    // Falls back to the message itself when the API cannot answer (a deleted agent has no
    // log endpoint any more).
    async function addToLog(message) {
      const since = lastSequence();
      const events = message.type === "AgentDeleted" ? null : await newestEvents();
      const fallback = [{
        sequence_number: message.sequence_number, timestamp: message.timestamp, event_type: message.type,
        payload: message.payload, metadata: {},
      }];
      (events || fallback).filter((event) => event.sequence_number > since).reverse().forEach(prepend);
    }

    return (message) => {
      if (message.aggregate_id !== id) return;
      const payload = message.payload || {};
      if (message.type === "AgentDeleted") {
        document.getElementById("agent-deleted").hidden = false;
        const actions = card.querySelector(".actions");
        if (actions) actions.hidden = true;
      } else if (payload.status) {
        showStatus(payload.status);
      }
      if (payload.layer) document.getElementById("agent-layer").textContent = payload.layer;
      if (log.dataset.live === "prepend") {
        fetching = fetching.then(() => addToLog(message));
      } else {
        document.getElementById("log-changes").hidden = false;
      }
    };
  }

  function start() {
    const card = document.getElementById("agent");
    const list = document.getElementById("agents-changes");
    let handler = null;
    if (card) handler = startAgent(card);
    else if (list) handler = startList(document.getElementById("agents"));
    if (handler && window.StoryFeed) window.StoryFeed.on("events:agent", handler);
  }

  document.querySelectorAll("form.delete-form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  if (window.StoryFeed) start(); else window.addEventListener("load", start);
})();
