// The shared inbox, live: a Server-Sent Events doorbell, then a read from the
// API by version (the inbox list) or by sequence (a conversation), so nothing
// is lost across a reconnect: EventSource reconnects by itself (Last-Event-ID
// for the inbox stream) and every "ready" triggers a catch-up read.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) return;
  const csrfToken = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) return meta.content;
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  };
  const newClientId = () =>
    (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "")
      : String(Date.now()) + Math.random().toString(16).slice(2);

  // ---- a conversation (agent or customer) ------------------------------------------
  const thread = document.querySelector("[data-thread]");
  if (thread) {
    const cid = Number(thread.dataset.conversationId);
    const list = thread.querySelector(".inbox-messages");
    const mine = thread.dataset.thread === "agent" ? ["agent", "note"] : ["customer"];
    let lastSeq = Number(thread.dataset.lastSeq || 0);
    let busy = false, again = false;

    const bubble = (m) => {
      const li = document.createElement("li");
      li.className = "inbox-msg kind-" + m.kind + (mine.includes(m.kind) ? " mine" : "");
      li.dataset.seq = m.seq; li.dataset.kind = m.kind; li.dataset.testid = "message";
      li.setAttribute("data-testid", "message");
      if (m.kind === "note") {
        const tag = document.createElement("small");
        tag.className = "note-tag"; tag.textContent = thread.dataset.textNote || "";
        li.appendChild(tag);
      }
      if (m.sender_name && (m.kind === "agent" || m.kind === "note")) {
        const who = document.createElement("small");
        who.className = "muted"; who.textContent = m.sender_name;
        li.appendChild(who);
      }
      const text = document.createElement("span");
      text.className = "text"; text.setAttribute("data-testid", "message-text");
      text.textContent = m.text;
      li.appendChild(text);
      return li;
    };

    const catchUp = async () => {
      if (busy) { again = true; return; }
      busy = true;
      try {
        do {
          again = false;
          const r = await fetch(thread.dataset.messages + "?after=" + lastSeq, { credentials: "same-origin" });
          if (!r.ok) break;
          const items = await r.json();
          let reload = false;
          for (const m of items) {
            if (m.seq <= lastSeq) continue;
            list.appendChild(bubble(m));
            lastSeq = m.seq;
            if (m.kind === "csat" || m.kind === "system") reload = true;
          }
          if (items.length) list.lastElementChild.scrollIntoView({ block: "end" });
          // Status changes and the CSAT question change the page around the thread.
          if (reload && !thread.querySelector("[data-composer] textarea").value) {
            window.location.reload();
            return;
          }
        } while (again);
      } finally { busy = false; }
    };

    const source = new EventSource(thread.dataset.stream);
    source.addEventListener("ready", catchUp);
    const onChange = (ev) => {
      try {
        const data = JSON.parse(ev.data);
        if (Number(data.id || data.conversation_id) === cid) catchUp();
      } catch (e) { catchUp(); }
    };
    source.addEventListener("conversation", onChange);
    source.addEventListener("change", onChange);

    const form = thread.querySelector("[data-composer]");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const box = form.querySelector("textarea");
      const body = box.value.trim();
      if (!body) return;
      const payload = { client_id: form.client_id.value, body: body };
      const note = form.querySelector("[name=note]");
      if (note) payload.note = note.checked;
      let alertEl = form.querySelector("[role=alert]");
      try {
        const r = await fetch(thread.dataset.send, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
          body: JSON.stringify(payload),
        });
        if (!r.ok) {
          const problem = await r.json().catch(() => ({}));
          if (!alertEl) {
            alertEl = document.createElement("p");
            alertEl.className = "error"; alertEl.setAttribute("role", "alert");
            form.appendChild(alertEl);
          }
          alertEl.textContent = problem.detail || r.statusText;
          return;
        }
        if (alertEl) alertEl.remove();
        box.value = "";
        if (note) note.checked = false;
        form.client_id.value = newClientId();  // only after the server has it: a retry reuses it
        catchUp();
      } catch (e) {
        // Offline: keep the text and the client id; sending again stores it once.
      }
    });
    thread.querySelectorAll("[data-insert]").forEach((b) =>
      b.addEventListener("click", () => {
        const box = form.querySelector("textarea");
        box.value = b.dataset.insert; box.focus();
      }));
    document.querySelectorAll("[data-insert]").forEach((b) => {
      if (thread.contains(b)) return;
      b.addEventListener("click", () => {
        const box = form.querySelector("textarea");
        box.value = b.dataset.insert; box.focus();
      });
    });
  }

  // ---- the inbox list ----------------------------------------------------------------
  const inbox = document.querySelector("[data-inbox-list]");
  if (inbox) {
    const ul = inbox.querySelector(".inbox-list");
    const status = inbox.dataset.status;
    const assignee = inbox.dataset.assignee || "";
    const label = inbox.dataset.label || "";
    const me = Number(inbox.dataset.me);
    const names = JSON.parse(inbox.dataset.statusNames || "{}");
    const matches = (c) =>
      (status === "all" || c.status === status) &&
      (!assignee || (assignee === "me" && c.assignee_id === me) ||
        (assignee === "none" && c.assignee_id === null) || Number(assignee) === c.assignee_id) &&
      (!label || c.labels.includes(label));
    const row = (c) => {
      const li = document.createElement("li");
      li.dataset.conversationId = c.id; li.setAttribute("data-testid", "conversation-row");
      const a = document.createElement("a");
      a.href = "/inbox/" + inbox.dataset.inboxId + "/c/" + c.id;
      const parts = [
        ["strong", c.customer_name, "row-customer", ""],
        ["span", c.assignee_name || inbox.dataset.textUnassigned, "row-assignee", "muted small"],
        ["span", names[c.status] || c.status, "row-status", "badge"],
        ["span", c.preview, "row-preview", "preview muted"],
      ];
      for (const [tag, text, id, cls] of parts) {
        const el = document.createElement(tag);
        el.textContent = text; el.setAttribute("data-testid", id);
        if (cls) el.className = cls;
        a.appendChild(el);
      }
      li.appendChild(a);
      return li;
    };
    const source = new EventSource(inbox.dataset.stream + "?after=" + inbox.dataset.version);
    source.addEventListener("conversation", (ev) => {
      const c = JSON.parse(ev.data);
      const old = ul.querySelector('[data-conversation-id="' + c.id + '"]');
      if (old) old.remove();
      if (!matches(c)) return;
      const empty = ul.querySelector(".empty");
      if (empty) empty.remove();
      ul.insertBefore(row(c), ul.firstChild);
    });
  }
})();
