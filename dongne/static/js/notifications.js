// The header's unread badge, kept current by the live notification stream
// (Server-Sent Events). The stream resumes after the newest notification the
// page was rendered with, so nothing that arrived in between is missed.
(function () {
  "use strict";
  let source = null;
  const badge = () => document.getElementById("unread-badge");

  function show(unread) {
    const el = badge();
    if (!el || typeof unread !== "number") return;
    el.textContent = String(unread);
    el.classList.toggle("hidden", unread === 0);
  }

  function start() {
    const el = badge();
    if (source || !el || !window.EventSource) return;
    const after = el.dataset.after || "0";
    source = new EventSource("/api/v1/notifications/stream?after=" + encodeURIComponent(after));
    source.addEventListener("notification", (event) => {
      let data = null;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data) show(data.unread);
    });
    source.addEventListener("error", () => {
      // The browser reconnects by itself (with Last-Event-ID) unless the server refused.
      if (source && source.readyState === EventSource.CLOSED) source = null;
    });
  }

  // Pages rendered without the badge load it with htmx; start once it is there.
  document.addEventListener("htmx:load", start);
  // The notifications page marks everything read and says so with this event.
  document.addEventListener("dongne:unread", (event) => show(event.detail && event.detail.unread));
  window.addEventListener("pagehide", () => {
    if (source) { source.close(); source = null; }
  });
  window.addEventListener("pageshow", (event) => { if (event.persisted) start(); });
  start();
})();
