// Workflows pages: confirm deletes and restores; on the definition form, "Format JSON"
// buttons and a parse check as you leave a JSON field (the server still checks everything,
// and reads YAML too); run tables update their statuses live from events:workflow.
// Every page works without this script.
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // --- the definition form ---------------------------------------------------------------------
  function looksLikeJSON(text) {
    return /^\s*[[{]/.test(text);
  }

  function check(textarea) {
    const note = document.getElementById(`${textarea.id}-check`);
    if (!note) return null;
    const text = textarea.value;
    let message = "";
    let value = null;
    if (looksLikeJSON(text)) {
      try {
        value = JSON.parse(text);
      } catch (error) {
        message = `Not valid JSON: ${error.message}`;
      }
    }
    note.textContent = message;
    note.hidden = !message;
    return value;
  }

  document.querySelectorAll("button.format-json[data-target]").forEach((button) => {
    const textarea = document.getElementById(button.dataset.target);
    if (!textarea) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const value = check(textarea);
      if (value !== null) textarea.value = JSON.stringify(value, null, 2);
    });
    textarea.addEventListener("blur", () => check(textarea));
  });

  // --- run tables --------------------------------------------------------------------------------
  const table = document.getElementById("runs");
  if (!table) return;

  function follow(message) {
    const payload = message.payload || {};
    if (!payload.run_id || !payload.status) return; // step events do not carry the run's status
    const row = table.querySelector(`tr[data-run-id="${CSS.escape(payload.run_id)}"]`);
    if (!row) return;
    const badge = row.querySelector(".run-status");
    badge.className = `status status-${payload.status} run-status`;
    badge.textContent = payload.status;
    if (typeof payload.progress === "number") {
      row.querySelector("progress.run-progress").value = payload.progress;
      row.querySelector(".run-percent").textContent = `${payload.progress}%`;
    }
    row.classList.remove("row-flash");
    void row.offsetWidth; // restart the highlight animation
    row.classList.add("row-flash");
  }

  function start() {
    if (window.StoryFeed) window.StoryFeed.on("events:workflow", follow);
  }
  if (window.StoryFeed) start(); else window.addEventListener("load", start);
})();
