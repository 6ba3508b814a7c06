// The model playground: posts the prompt to /api/v1/llm/generate/ with "stream": true and
// appends the text a worker sends on this user's private llm:stream channel (LlmToken), then
// shows the counts and timings (LlmDone) or the failure (LlmError). The channel is subscribed
// when the page opens, so the Stream button waits for the live feed before it is enabled.
(function () {
  "use strict";

  const form = document.getElementById("llm-form");
  const answer = document.getElementById("llm-answer");
  if (!form || !answer) return;
  const button = document.getElementById("llm-stream");
  const note = document.getElementById("llm-feed-note");
  const feedState = document.getElementById("feed-state");
  const output = document.getElementById("llm-output");
  const statusBadge = document.getElementById("llm-status");
  const errorBox = document.getElementById("llm-error");
  const field = (id) => document.getElementById(id);
  // The generation on its way: its id once the API answers, and what arrived before that.
  let current = null;

  function feedLive() {
    return !feedState || feedState.dataset.state === "live";
  }

  function syncButton() {
    button.disabled = Boolean(current) || !feedLive();
    button.textContent = current ? "Streaming…" : "Stream";
    if (!current) note.textContent = feedLive() ? "" : "Waiting for the live feed…";
  }

  function setStatus(status) {
    statusBadge.className = `status status-${status}`;
    statusBadge.textContent = status;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function milliseconds(ms) {
    if (ms === null || ms === undefined) return "—";
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
  }

  function setMetric(id, value) {
    field(id).textContent = value === null || value === undefined ? "—" : String(value);
  }

  function reset() {
    answer.hidden = false;
    output.replaceChildren();
    output.dataset.chunks = "0";
    output.classList.remove("llm-output-done");
    ["llm-model-used", "llm-prompt-tokens", "llm-completion-tokens", "llm-latency", "llm-ttft", "llm-request-id"]
      .forEach((id) => setMetric(id, null));
    showError("");
    setStatus("queued");
  }

  function finish(status, message) {
    setStatus(status);
    if (message) showError(message);
    output.classList.add("llm-output-done");
    current = null;
    syncButton();
  }

  function details(body) {
    const found = body.details && typeof body.details === "object" ? body.details : {};
    return Object.entries(found)
      .map(([name, problems]) => `${name}: ${[].concat(problems).join(" ")}`)
      .join("; ");
  }

  // The API's answer when it did not accept the generation, in words a person can act on.
  function refusal(response, body) {
    const message = body.message || `HTTP ${response.status}`;
    if (response.status === 429) {
      const wait = response.headers.get("Retry-After");
      return `Too many generations: the limit is 10 a minute.${wait ? ` Try again in ${wait} s.` : " Try again shortly."}`;
    }
    if (response.status === 503) return `Ollama is unavailable: ${message}`;
    if (response.status === 403) return "Your role may not generate: it needs the write:services scope.";
    if (response.status === 400) return `${message}${details(body) ? ` ${details(body)}` : ""}`;
    return message;
  }

  // A failure the worker reported on the channel.
  function failure(payload) {
    const message = payload.message || "The generation failed.";
    if (payload.status === 503) return `Ollama is unavailable: ${message}`;
    if (payload.status === 504) return `Ollama took too long: ${message}`;
    return message;
  }

  function handle(message) {
    const payload = message.payload || {};
    if (message.type === "LlmToken") {
      setStatus("streaming");
      output.appendChild(document.createTextNode(payload.text || ""));
      output.dataset.chunks = String(Number(output.dataset.chunks) + 1);
      output.scrollTop = output.scrollHeight;
    } else if (message.type === "LlmDone") {
      setMetric("llm-model-used", payload.model);
      setMetric("llm-prompt-tokens", payload.prompt_tokens);
      setMetric("llm-completion-tokens", payload.completion_tokens);
      setMetric("llm-latency", milliseconds(payload.latency_ms));
      setMetric("llm-ttft", milliseconds(payload.ttft_ms));
      finish("succeeded");
    } else if (message.type === "LlmError") {
      finish("failed", failure(payload));
    }
  }

  function receive(message) {
    if (!current) return;
    const requestId = (message.payload || {}).request_id;
    // The worker may start before the API's answer reaches us: keep what comes early.
    if (current.requestId === null) current.early.push(message);
    else if (requestId === current.requestId) handle(message);
  }

  function accepted(body) {
    current.requestId = body.request_id;
    setMetric("llm-model-used", body.model);
    const link = document.createElement("a");
    link.href = `${form.dataset.logUrl}`;
    link.textContent = String(body.request_id).slice(0, 8);
    link.title = body.request_id;
    field("llm-request-id").replaceChildren(link);
    const early = current.early.filter((message) => (message.payload || {}).request_id === body.request_id);
    current.early = [];
    early.forEach(handle);
  }

  async function generate(body) {
    reset();
    current = { requestId: null, early: [] };
    syncButton();
    try {
      const response = await fetch(form.dataset.apiUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify(body),
      });
      const answerBody = await response.json().catch(() => ({}));
      if (!response.ok) { finish("failed", refusal(response, answerBody)); return; }
      accepted(answerBody);
    } catch (error) {
      finish("failed", `The request did not reach the server: ${error.message}`);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (current) return;
    const prompt = field("llm-prompt").value;
    if (!prompt.trim()) {
      answer.hidden = false;
      showError("Write a prompt first.");
      return;
    }
    const body = { prompt, use_case: field("llm-use-case").value, stream: true };
    const model = field("llm-model").value;
    const system = field("llm-system").value;
    if (model) body.model = model;
    if (system.trim()) body.system = system;
    generate(body);
  });

  function start() {
    window.StoryFeed.on("llm:stream", receive);
    if (feedState) {
      new MutationObserver(() => {
        // Tokens sent while the feed reconnects are lost; the request log still has the call.
        if (current && !feedLive()) {
          finish("failed", "The live feed dropped while streaming; the call's outcome is in the request log.");
        }
        syncButton();
      }).observe(feedState, { attributes: true, attributeFilter: ["data-state"] });
    }
    syncButton();
  }

  if (window.StoryFeed) start(); else window.addEventListener("load", start);
})();
