// A workflow run's page: follows events:workflow and, on each event of this run, re-reads
// /api/v1/workflow-runs/<id>/ and re-renders the status, the progress bar and every step.
// Approve, reject and cancel post to the API without leaving the page. Every part works
// without this script (the forms post to the server and it redirects back).
(function () {
  "use strict";

  const card = document.getElementById("run");
  if (!card) return;
  const runId = card.dataset.runId;
  const finished = card.dataset.finished.split(" ");
  const errorBox = document.getElementById("run-action-error");
  const SAFETY_POLL_MS = 15000;
  let inFlight = null;
  let again = false;

  function utc(timestamp) {
    const date = new Date(timestamp);
    return Number.isNaN(date.getTime()) ? timestamp : date.toISOString().slice(0, 19).replace("T", " ");
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return "—";
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
  }

  function pretty(value) {
    return JSON.stringify(value, Object.keys(flatKeys(value, {})).sort(), 2);
  }

  // Every key at any depth, so JSON.stringify's key list sorts nested objects too.
  function flatKeys(value, found) {
    if (value && typeof value === "object") {
      Object.keys(value).forEach((key) => { found[key] = true; flatKeys(value[key], found); });
    }
    return found;
  }

  function setTime(container, timestamp) {
    if (!timestamp) { container.textContent = "—"; return; }
    const time = document.createElement("time");
    time.dateTime = timestamp;
    time.textContent = utc(timestamp);
    container.replaceChildren(time);
  }

  function setStatus(badge, status, extra) {
    badge.className = `status status-${status}${extra ? ` ${extra}` : ""}`;
    badge.textContent = status;
  }

  function renderStep(step) {
    const item = document.querySelector(`#timeline li[data-step-id="${CSS.escape(step.step_id)}"]`);
    if (!item) return;
    item.className = `step step-${step.status}`;
    setStatus(item.querySelector(".step-status"), step.status, "step-status");
    item.querySelector(".step-attempts").textContent = String(step.attempts);
    item.querySelector(".step-duration").textContent = duration(step.duration_ms);
    setTime(item.querySelector(".step-started"), step.started_at);
    setTime(item.querySelector(".step-finished"), step.finished_at);
    const error = item.querySelector(".step-error");
    error.textContent = step.error || "";
    error.hidden = !step.error;
    const decision = item.querySelector(".step-decision");
    decision.hidden = !step.decided_by;
    item.querySelector(".step-decided-by").textContent = step.decided_by || "";
    item.querySelector(".step-comment").textContent = step.decision_comment ? `: “${step.decision_comment}”` : "";
    const output = item.querySelector(".step-output");
    output.hidden = step.output === null || step.output === undefined;
    if (!output.hidden) output.querySelector("pre").textContent = pretty(step.output);
    const form = item.querySelector("form.decision-form");
    if (form) form.hidden = step.status !== "waiting";
  }

  function setMessage(stepId, text) {
    const message = document.querySelector(`#timeline li[data-step-id="${CSS.escape(stepId)}"] .step-message`);
    if (message) message.textContent = text;
  }

  function render(run) {
    card.dataset.status = run.status;
    setStatus(document.getElementById("run-status"), run.status);
    const bar = document.getElementById("run-progress");
    bar.value = run.progress;
    bar.textContent = `${run.progress}%`;
    document.getElementById("run-percent").textContent = `${run.progress}%`;
    setTime(document.getElementById("run-started"), run.started_at);
    setTime(document.getElementById("run-finished"), run.finished_at);
    const error = document.getElementById("run-error");
    error.textContent = run.error || "—";
    error.classList.toggle("muted", !run.error);
    const outputs = document.getElementById("run-outputs");
    const hasOutputs = run.outputs !== null && run.outputs !== undefined;
    outputs.hidden = !hasOutputs;
    outputs.textContent = hasOutputs ? pretty(run.outputs) : "";
    const none = document.getElementById("run-no-outputs");
    none.hidden = hasOutputs;
    none.textContent = finished.includes(run.status) ? "None." : "None yet.";
    const cancel = document.getElementById("cancel-form");
    if (cancel) cancel.hidden = finished.includes(run.status);
    (run.steps || []).forEach(renderStep);
  }

  async function request(url, options) {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", ...(options && options.headers) },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
    return body;
  }

  // One request at a time; events arriving meanwhile ask for one more read afterwards.
  function refresh() {
    if (inFlight) { again = true; return inFlight; }
    inFlight = request(card.dataset.apiUrl)
      .then(render)
      .catch(() => {}) // the next event (or the safety poll) reads again
      .finally(() => {
        inFlight = null;
        if (again) { again = false; refresh(); }
      });
    return inFlight;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function post(form, url, body) {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    return request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    })
      .then((run) => { showError(""); render(run); })
      .catch((error) => showError(error.message))
      .finally(() => form.querySelectorAll("button").forEach((button) => { button.disabled = false; }));
  }

  document.querySelectorAll("form.decision-form").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const decision = event.submitter ? event.submitter.value : "approve";
      const url = decision === "reject" ? form.dataset.rejectUrl : form.dataset.approveUrl;
      post(form, url, { step_id: form.dataset.stepId, comment: form.querySelector("input[name=comment]").value });
    });
  });

  const cancel = document.getElementById("cancel-form");
  if (cancel) {
    cancel.addEventListener("submit", (event) => {
      event.preventDefault();
      if (window.confirm(cancel.dataset.confirm)) post(cancel, cancel.dataset.apiUrl, {});
    });
  }

  function start() {
    if (window.StoryFeed) {
      window.StoryFeed.on("events:workflow", (message) => {
        const payload = message.payload || {};
        if (payload.run_id !== runId) return;
        // The approval's question, rendered with the run's values, travels only in the event.
        if (message.type === "StepWaiting" && payload.message) setMessage(payload.step_id, payload.message);
        refresh();
      });
    }
    refresh(); // catch up with what happened between rendering and subscribing
    // Should the feed be down, keep an unfinished run's page roughly current.
    setInterval(() => {
      const state = document.getElementById("feed-state");
      if (!finished.includes(card.dataset.status) && (!state || state.dataset.state !== "live")) refresh();
    }, SAFETY_POLL_MS);
  }

  if (window.StoryFeed) start(); else window.addEventListener("load", start);
})();
