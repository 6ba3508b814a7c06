// API keys page: copy the new key, and confirm before revoking. The page works without it.
(function () {
  "use strict";
  const input = document.getElementById("new-key");
  const button = document.getElementById("copy-key");
  const state = document.getElementById("copy-state");

  function say(text) { if (state) state.textContent = text; }

  if (input) {
    // Fallback for any browser: focusing the field selects the whole key for Ctrl-C.
    input.addEventListener("focus", () => input.select());
    input.addEventListener("click", () => input.select());
  }

  if (input && button) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      input.focus();
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
        button.textContent = "Copied";
        say("Copied to the clipboard.");
      } catch (error) {
        // No clipboard access (plain HTTP, permissions): the key is selected, copy by hand.
        say("Press Ctrl-C (⌘-C) to copy the selected key.");
      }
    });
  }

  document.querySelectorAll("form.revoke-form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
