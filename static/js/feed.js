// Story Portal live feed: one WebSocket per page, shared by page scripts.
// Usage: StoryFeed.on("system:health", (message) => {...});
(function () {
  "use strict";
  const handlers = {};
  const filters = {}; // channel -> its server-side filter (the logs channel: level and text)
  const state = document.getElementById("feed-state");
  let socket = null;
  let delay = 1000;

  function setState(text) {
    if (state) { state.textContent = text; state.dataset.state = text; }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/feed/`);
    socket.addEventListener("open", () => {
      delay = 1000;
      setState("live");
      const channels = Object.keys(handlers);
      if (channels.length) socket.send(JSON.stringify({ action: "subscribe", channels, filters }));
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      (handlers[message.channel] || []).forEach((handler) => handler(message));
    });
    socket.addEventListener("close", (event) => {
      setState(event.code === 4401 ? "signed out" : "reconnecting");
      if (event.code !== 4401) setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  window.StoryFeed = {
    // Ask the server to send only the messages of `channel` that pass `filter` (kept for
    // reconnects). Today only `logs` takes one: {level: "warning", text: "timeout"}.
    filter(channel, filter) {
      filters[channel] = filter;
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ action: "subscribe", channels: [channel], filters: { [channel]: filter } }));
      }
    },
    on(channel, handler) {
      const fresh = !handlers[channel];
      (handlers[channel] = handlers[channel] || []).push(handler);
      if (fresh && socket && socket.readyState === WebSocket.OPEN) {
        const body = { action: "subscribe", channels: [channel] };
        if (filters[channel]) body.filters = { [channel]: filters[channel] };
        socket.send(JSON.stringify(body));
      }
    },
  };
  connect();
})();
