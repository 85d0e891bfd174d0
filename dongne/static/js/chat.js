// Live chat: one WebSocket per tab for all of the signed-in user's conversations
// (the protocol is described at the top of dongne/chat/ws.py).
//
// On every page it keeps the unread chat count live. On the chat list it moves
// a conversation to the top and refreshes its row when a message arrives. In a
// room it sends and receives messages and shows receipts, and it loses nothing:
// a message goes into an outbox kept in sessionStorage before it is sent, and
// leaves it only when the server acknowledges it, so after a dropped network or
// a reload it is sent again with the same client_id (which the server stores once).
(function () {
  "use strict";
  if (!window.WebSocket || !document.querySelector("[data-chat-badge]")) return;

  let page = { page: "other", cursors: {}, text: {} };
  const dataBlock = document.getElementById("chat-data");
  if (dataBlock) {
    try { page = JSON.parse(dataBlock.textContent); } catch (e) { /* keep the default */ }
  }
  const T = page.text || {};
  const me = page.me;
  const OUTBOX_KEY = "dongne.chat.outbox";
  const FAILED_KEY = "dongne.chat.failed";
  const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
  const csrf = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  // ---- small helpers ---------------------------------------------------------------

  function fill(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));
  }

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function newId() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // Times read as in Seoul, with the same templates the server used (Korea keeps no DST).
  const SEOUL_OFFSET_MS = 9 * 3600 * 1000;
  function seoul(iso) {
    const t = Date.parse(iso);
    return new Date((Number.isNaN(t) ? Date.now() : t) + SEOUL_OFFSET_MS);
  }
  function weekday(d) { return (T.weekdays || [])[(d.getUTCDay() + 6) % 7] || ""; }
  function clock(iso) {
    const d = seoul(iso);
    const h = d.getUTCHours();
    return fill(h < 12 ? T.morning : T.afternoon, { hour: h % 12 || 12, minute: String(d.getUTCMinutes()).padStart(2, "0") });
  }
  function meetTime(iso) {
    const d = seoul(iso);
    return fill(T.day, { month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: weekday(d) }) + " " + clock(iso);
  }
  function dayKey(iso) { return seoul(iso).toISOString().slice(0, 10); }
  function dayLabel(key) {
    const [y, m, d] = key.split("-").map(Number);
    return fill(T.fullDay, { year: y, month: m, day: d, weekday: weekday(new Date(Date.UTC(y, m - 1, d))) });
  }

  // ---- the outbox: what is waiting to be stored, and what the server refused --------

  function stored(key) {
    try {
      const value = JSON.parse(sessionStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) { return []; }
  }
  function store(key, items) {
    try { sessionStorage.setItem(key, JSON.stringify(items)); } catch (e) { /* private mode: memory only */ }
  }
  let outbox = stored(OUTBOX_KEY);   // {client_id, conversation_id, body, photo_id, photo_url, created_at}
  let failed = stored(FAILED_KEY);   // the same, with the server's reason in `detail`
  const sentOn = new Map();          // client_id → the connection it was last sent on

  function settle(clientId) {
    const before = outbox.length;
    outbox = outbox.filter((item) => item.client_id !== clientId);
    if (outbox.length !== before) store(OUTBOX_KEY, outbox);
  }

  function enqueue(item) {
    outbox.push(item);
    store(OUTBOX_KEY, outbox);
    transmit(item);
  }

  function transmit(item) {
    if (!ready || sentOn.get(item.client_id) === generation) return;
    const frame = { type: "send", conversation_id: item.conversation_id, client_id: item.client_id, body: item.body || "" };
    if (item.photo_id) frame.photo_id = item.photo_id;
    if (send(frame)) sentOn.set(item.client_id, generation);
  }

  function forget(clientId) {
    failed = failed.filter((item) => item.client_id !== clientId);
    store(FAILED_KEY, failed);
  }

  // ---- the unread badge (header and tab bar) ------------------------------------------

  let badgeTimer = null;
  let badgeBusy = false;
  let badgeAgain = false;
  function showBadge(n) {
    document.querySelectorAll("[data-chat-badge]").forEach((el) => {
      el.textContent = n > 99 ? "99+" : String(n);
      el.classList.toggle("hidden", !n);
    });
  }
  function refreshBadge(delay) {
    clearTimeout(badgeTimer);
    badgeTimer = setTimeout(fetchBadge, delay === undefined ? 150 : delay);
  }
  async function fetchBadge() {
    if (badgeBusy) { badgeAgain = true; return; }
    badgeBusy = true;
    try {
      const r = await fetch("/api/v1/chats/unread", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.ok) {
        const data = await r.json();
        if (data && typeof data.unread === "number") showBadge(data.unread);
      }
    } catch (e) { /* offline: the next welcome fetches it again */ }
    badgeBusy = false;
    if (badgeAgain) { badgeAgain = false; fetchBadge(); }
  }

  // ---- "연결 중…" -------------------------------------------------------------------------

  let bannerTimer = null;
  function banner(show, now) {
    clearTimeout(bannerTimer);
    const set = (on) => document.querySelectorAll("[data-conn-banner]").forEach((el) => el.classList.toggle("hidden", !on));
    if (!show) set(false);
    else if (now) set(true);
    else bannerTimer = setTimeout(() => set(true), 700);  // a quick reconnect does not flash
  }

  // ---- the socket -------------------------------------------------------------------------

  const WS_URL = (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host + "/ws";
  const tracksCursors = page.page === "room" || page.page === "list";
  const cursors = {};  // conversation id → last seq held (chat pages only)
  Object.entries(page.cursors || {}).forEach(([k, v]) => { cursors[k] = Number(v) || 0; });
  // The reference point for the server: conversations above it began after the
  // page was rendered (or the last welcome) and are delivered from their start.
  let since = typeof page.mark === "number" ? page.mark : undefined;
  let ws = null;
  let ready = false;      // welcome received on the current socket
  let generation = 0;     // counts sockets, so a message is sent once per connection
  let attempts = 0;
  let retryTimer = null;
  let helloTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let stopped = false;    // the server refused us (signed out): no more tries
  let paused = false;     // the page is in the back-forward cache

  function send(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try { ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  function connect() {
    if (ws || stopped || paused) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    let socket;
    try { socket = new WebSocket(WS_URL); } catch (e) { retry(); return; }
    ws = socket;
    ready = false;
    generation += 1;
    banner(true, !navigator.onLine);
    socket.addEventListener("open", () => {
      if (socket !== ws) return;
      send(tracksCursors ? { type: "hello", cursors, since } : { type: "hello" });
      helloTimer = setTimeout(() => drop(socket), 10000);
    });
    socket.addEventListener("message", (event) => {
      if (socket !== ws) return;
      clearTimeout(pongTimer);
      pongTimer = null;
      let frame = null;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") handle(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== ws) return;
      lost();
      if (event.code === 4401) { stopped = true; banner(false); return; }
      retry();
    });
  }

  function lost() {
    ws = null;
    ready = false;
    document.documentElement.dataset.chatSocket = "closed";
    clearTimeout(helloTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    pongTimer = null;
    banner(true, !navigator.onLine);
  }

  function drop(socket) {
    if (!socket || socket !== ws) return;
    lost();
    try { socket.close(); } catch (e) { /* already closing */ }
    retry();
  }

  function retry() {
    if (stopped || paused || retryTimer) return;
    const ceiling = Math.min(10000, 500 * 2 ** attempts);  // 0.5 s doubling to 10 s…
    attempts += 1;
    const wait = ceiling / 2 + Math.random() * ceiling / 2;  // …with jitter
    retryTimer = setTimeout(() => { retryTimer = null; connect(); }, wait);
  }

  function handle(frame) {
    if (frame.type === "welcome") welcomed(frame);
    else if (frame.type === "message") received(frame);
    else if (frame.type === "ack") acked(frame);
    else if (frame.type === "read") readUpTo(frame);
    else if (frame.type === "error") refused(frame);
  }

  function welcomed(frame) {
    ready = true;
    document.documentElement.dataset.chatSocket = "open";
    attempts = 0;
    clearTimeout(helloTimer);
    banner(false);
    const socket = ws;
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (!send({ type: "ping" }) || pongTimer) return;
      pongTimer = setTimeout(() => drop(socket), 10000);  // a silent line is a dead line
    }, 25000);
    if (tracksCursors) {
      Object.entries(frame.conversations || {}).forEach(([key, seq]) => {
        if (key in cursors) return;
        if (since !== undefined && Number(key) > since) {
          cursors[key] = 0;  // begun since we last looked: the server sends all of it
        } else {
          // Not followed so far: from now on, not its whole history.
          cursors[key] = Number(seq) || 0;
          send({ type: "sync", conversation_id: Number(key), after: cursors[key] });
        }
        if (list) list.refresh(Number(key));
      });
      if (typeof frame.mark === "number") since = Math.max(since || 0, frame.mark);
    }
    outbox.forEach(transmit);
    refreshBadge(0);
    if (room) room.connected();
  }

  function received(m) {
    if (m.sender_id === me && m.client_id) settle(m.client_id);  // stored, whatever became of the ack
    const key = String(m.conversation_id);
    if (room && m.conversation_id === page.conversation) room.receive(m);
    else if (tracksCursors) cursors[key] = Math.max(cursors[key] || 0, m.seq);
    if (list) list.touch(m.conversation_id);
    refreshBadge();
  }

  function acked(a) {
    settle(a.client_id);
    if (room) room.acked(a);
  }

  function readUpTo(r) {
    if (room && r.conversation_id === page.conversation && r.user_id !== me) room.otherRead(r.seq);
    if (list) list.refresh(r.conversation_id);
    refreshBadge();
  }

  const retries = new Map();  // client_id → sends the server could not take (5xx) so far
  function refused(e) {
    if (!e.client_id) return;
    const item = outbox.find((i) => i.client_id === e.client_id);
    if (!item) return;
    if (!(e.status >= 400 && e.status < 500)) {
      // Our failure, not the message's (nothing was stored): send it again, a little later.
      const n = (retries.get(item.client_id) || 0) + 1;
      retries.set(item.client_id, n);
      sentOn.delete(item.client_id);
      const ceiling = Math.min(10000, 500 * 2 ** n);
      setTimeout(() => { if (outbox.includes(item)) transmit(item); }, ceiling / 2 + Math.random() * ceiling / 2);
      return;
    }
    settle(item.client_id);
    item.detail = e.detail || T.failed;
    failed.push(item);
    store(FAILED_KEY, failed);
    if (room) room.refused(item);
  }

  window.addEventListener("online", () => {
    attempts = 0;
    if (ws) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    connect();
  });
  window.addEventListener("offline", () => {
    banner(true, true);
    drop(ws);  // it cannot carry anything now; start afresh when the network returns
  });
  window.addEventListener("pagehide", () => {
    paused = true;
    clearTimeout(retryTimer);
    retryTimer = null;
    const socket = ws;
    if (socket) { lost(); socket.close(); }
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    paused = false;
    connect();
    refreshBadge(0);
  });

  // Forms that ask first (block, leave).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // ---- the chat list -----------------------------------------------------------------------

  function makeList() {
    const ul = document.getElementById("chats");
    if (!ul || page.page !== "list") return null;
    const empty = document.getElementById("chats-empty");
    const only = page.listing ? Number(page.listing) : null;
    const busy = new Set();
    const again = new Set();
    const row = (id) => ul.querySelector(`li.chat-row[data-conversation-id="${Number(id)}"]`);

    function shown() {
      const any = Boolean(ul.querySelector("li.chat-row"));
      ul.classList.toggle("hidden", !any);
      if (empty) empty.classList.toggle("hidden", any);
    }

    function insert(li) {
      const at = Date.parse(li.dataset.at) || 0;
      for (const other of ul.querySelectorAll("li.chat-row")) {
        if ((Date.parse(other.dataset.at) || 0) <= at) { ul.insertBefore(li, other); return; }
      }
      ul.appendChild(li);
    }

    // The row as the server renders it, fetched again (coalesced per conversation).
    async function refresh(id) {
      if (busy.has(id)) { again.add(id); return; }
      busy.add(id);
      try {
        const r = await fetch(`/chats/${id}/row`, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (r.status === 204 || r.status === 404) {
          const old = row(id);
          if (old) old.remove();
        } else if (r.ok) {
          const holder = document.createElement("template");
          holder.innerHTML = (await r.text()).trim();
          const fresh = holder.content.querySelector("li.chat-row");
          if (fresh && (!only || Number(fresh.dataset.listingId) === only)) {
            const old = row(id);
            if (old) old.replaceWith(fresh);
            else insert(fresh);
          }
        }
      } catch (e) { /* offline: the next message or welcome brings it */ }
      busy.delete(id);
      shown();
      if (again.delete(id)) refresh(id);
    }

    // A message arrived: newest activity goes first at once, then the row catches up.
    function touch(id) {
      const li = row(id);
      if (li && ul.firstElementChild !== li) ul.insertBefore(li, ul.firstElementChild);
      refresh(id);
    }

    return { refresh, touch };
  }

  // ---- a room ---------------------------------------------------------------------------------

  function makeRoom() {
    const list = document.getElementById("messages");
    if (!list || page.page !== "room") return null;
    const id = page.conversation;
    const key = String(id);
    const form = document.getElementById("composer");
    const input = document.getElementById("message-input");
    const photoInput = document.getElementById("photo-input");
    const empty = document.getElementById("room-empty");
    const bySeq = new Map();     // seq → its <li>
    const pending = new Map();   // client_id → the <li> of a message not yet stored
    const held = new Set();      // seqs received past a gap
    let cursor = cursors[key] || 0;  // every message up to here is shown
    let newest = cursor;
    let otherRead = Number(page.otherReadSeq) || 0;
    let firstSeq = Number(page.firstSeq) || 0;
    let syncedFrom = -1;
    let readSent = 0;
    const renderedIds = new Set();
    list.querySelectorAll("li.msg[data-seq]").forEach((li) => {
      bySeq.set(Number(li.dataset.seq), li);
      if (li.dataset.clientId) renderedIds.add(li.dataset.clientId);
    });

    // ---- building and placing messages ----

    function systemLine(m) {
      let code = m.body;
      const data = m.data || {};
      if (code === "left" || code === "rejoined") code = data.user_id === me ? code + "_me" : code;
      const template = (T.system || {})[code];
      if (!template) return T.systemOther || "";
      return fill(template, {
        when: data.meet_at ? meetTime(data.meet_at) : "",
        place: data.place || "",
        name: (page.other && page.other.nickname) || "",
      });
    }

    // The same markup as templates/chat/_message.html.
    function build(m, preview) {
      const li = node("li", "msg");
      li.dataset.testid = "message";
      li.dataset.day = dayKey(m.created_at);
      if (m.seq) li.dataset.seq = m.seq;
      if (m.client_id) li.dataset.clientId = m.client_id;
      if (m.kind === "system") {
        li.classList.add("system");
        li.appendChild(node("p", "system-line", systemLine(m)));
        if (m.body === "deal_completed" && m.data && m.data.deal_id) {
          const link = node("a", "button small secondary", T.review || "");
          link.href = "/deals/" + Number(m.data.deal_id) + "/review";
          link.dataset.testid = "review-link";
          li.appendChild(node("p", "system-line")).appendChild(link);
        }
        return li;
      }
      const mine = m.sender_id === me;
      li.classList.add(mine ? "mine" : "theirs");
      const row = node("div", "msg-row");
      let bubble;
      if (m.kind === "photo") {
        const src = m.photo_url || preview || "";
        bubble = node(m.photo_url ? "a" : "span", "bubble photo");
        if (m.photo_url) {
          bubble.href = m.photo_url;
          bubble.target = "_blank";
          bubble.rel = "noopener";
        }
        const img = node("img");
        img.src = src;
        img.alt = T.photo || "";
        img.dataset.testid = "message-photo";
        img.addEventListener("load", keepAtBottom);
        bubble.appendChild(img);
      } else {
        const fraud = !mine && m.data && m.data.fraud;
        // Account digits stay masked for the receiver until they tap to reveal.
        bubble = node("p", "bubble", fraud && fraud.masked ? fraud.masked : m.body);
        bubble.dataset.testid = "message-body";
      }
      const meta = node("div", "msg-meta");
      if (mine) {
        const receipt = node("span", "receipt");
        receipt.dataset.testid = "receipt";
        meta.appendChild(receipt);
      }
      const time = node("time", null, clock(m.created_at));
      time.dateTime = m.created_at;
      meta.appendChild(time);
      row.append(bubble, meta);
      li.appendChild(row);
      if (!mine && m.seq) {
        const card = fraudCard(m);
        if (card) li.appendChild(card);
        if (m.id) {
          const report = node("a", "msg-report", (T.trust || {}).report || "");
          report.href = "/reports/new?target=message&id=" + m.id;
          report.dataset.testid = "report-message";
          li.appendChild(report);
        }
      }
      return li;
    }

    // The warning card under a message from the other person that carries fraud
    // signals: the same markup as templates/trust/moderation/_fraud_card.html.
    function fraudCard(m) {
      const fraud = m.data && m.data.fraud;
      if (!fraud || !Array.isArray(fraud.signals) || !fraud.signals.length) return null;
      const trust = T.trust || {};
      const card = node("div", "fraud-card");
      card.setAttribute("role", "note");
      card.dataset.testid = "fraud-warning";
      const items = node("ul");
      fraud.signals.forEach((s) => {
        const li = node("li", null, (trust.warnings || {})[s] || "");
        li.dataset.signal = s;
        items.appendChild(li);
      });
      card.appendChild(items);
      if (fraud.masked) {
        const reveal = node("button", "link small", trust.reveal || "");
        reveal.type = "button";
        reveal.dataset.reveal = m.seq;
        reveal.dataset.testid = "reveal";
        card.appendChild(reveal);
      }
      return card;
    }

    // Tapping "계좌번호 보기": the server records the tap and returns the text as sent.
    list.addEventListener("click", async (event) => {
      const button = event.target instanceof Element ? event.target.closest("[data-reveal]") : null;
      if (!button) return;
      button.disabled = true;
      try {
        const response = await fetch("/api/v1/chats/" + id + "/messages/" + button.dataset.reveal + "/reveal", {
          method: "POST",
          headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
          credentials: "same-origin",
        });
        const data = response.ok ? await response.json() : null;
        const li = button.closest("li.msg");
        const bubble = li && li.querySelector("[data-testid=message-body]");
        if (data && bubble) {
          bubble.textContent = data.body;
          button.remove();
          return;
        }
      } catch (e) { /* offline: let them try again */ }
      button.disabled = false;
    });

    // Stored messages in seq order; those still on their way after them.
    function place(li, seq) {
      const storedNodes = list.querySelectorAll("li.msg[data-seq]");
      const last = storedNodes[storedNodes.length - 1];
      if (!last || Number(last.dataset.seq) < seq) {
        list.insertBefore(li, list.querySelector("li.msg.pending"));
        return;
      }
      for (const other of storedNodes) {
        if (other !== li && Number(other.dataset.seq) > seq) { list.insertBefore(li, other); return; }
      }
      list.insertBefore(li, list.querySelector("li.msg.pending"));
    }

    function days() {
      list.querySelectorAll("li.day-sep").forEach((sep) => sep.remove());
      let previous = null;
      list.querySelectorAll("li.msg").forEach((li) => {
        const day = li.dataset.day;
        if (day && day !== previous) {
          const sep = node("li", "day-sep", dayLabel(day));
          sep.dataset.day = day;
          list.insertBefore(sep, li);
        }
        previous = day || previous;
      });
    }

    // 전송 중 while on its way; of those stored, 읽음 under the newest the other side
    // has read and 전송됨 under the newest it has not.
    function receipts() {
      const mine = Array.from(list.querySelectorAll("li.msg.mine"));
      let lastRead = null;
      let lastSent = null;
      mine.forEach((li) => {
        if (li.classList.contains("pending")) return;
        li.dataset.state = Number(li.dataset.seq) <= otherRead ? "read" : "sent";
        if (li.dataset.state === "read") lastRead = li; else lastSent = li;
      });
      mine.forEach((li) => {
        const receipt = li.querySelector(".receipt");
        if (!receipt) return;
        const state = li.dataset.state;
        receipt.textContent = state === "uploading" ? T.uploading
          : state === "sending" ? T.sending
          : li === lastRead ? T.read
          : li === lastSent ? T.sent : "";
      });
    }

    // ---- scrolling: stay at the newest message unless the reader scrolled up ----

    let stick = true;
    const atBottom = () => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 120;
    window.addEventListener("scroll", () => { stick = atBottom(); }, { passive: true });
    function toBottom() { window.scrollTo(0, document.documentElement.scrollHeight); stick = true; }
    function keepAtBottom() { if (stick) toBottom(); }
    list.querySelectorAll("img").forEach((img) => img.addEventListener("load", keepAtBottom));

    function changed(mine) {
      if (empty) empty.classList.add("hidden");
      days();
      receipts();
      if (mine || stick) toBottom();
    }

    // ---- what the socket brings ----

    let holeTimer = null;
    function advance(seq) {
      if (seq > newest) newest = seq;
      if (seq > cursor) held.add(seq);
      while (held.has(cursor + 1)) { held.delete(cursor + 1); cursor += 1; }
      cursors[key] = cursor;
      if (held.size && syncedFrom !== cursor) {
        syncedFrom = cursor;  // a gap: ask for everything after what is held in order
        if (!send({ type: "sync", conversation_id: id, after: cursor })) return;  // the reconnect's hello asks
        const stuck = cursor;
        const asked = generation;
        clearTimeout(holeTimer);
        holeTimer = setTimeout(() => {
          // Still missing long after the server answered: a number never used. Step over it.
          if (cursor !== stuck || !held.size || !ready || generation !== asked) return;
          cursor = Math.min(...held) - 1;
          advance(cursor + 1);
        }, 8000);
      }
    }

    function receive(m) {
      const shownAlready = bySeq.get(m.seq);
      if (!shownAlready || shownAlready.dataset.local) {
        const mine = m.sender_id === me;
        const old = shownAlready || (mine && m.client_id ? pending.get(m.client_id) : null);
        if (m.client_id) pending.delete(m.client_id);
        const li = build(m);
        if (old) old.remove();
        bySeq.set(m.seq, li);
        place(li, m.seq);
        if (m.kind === "system") applySystem(m);
        changed(mine && !old);
      }
      advance(m.seq);
      markRead();
    }

    function acked(a) {
      if (a.conversation_id !== id) return;
      const li = pending.get(a.client_id);
      if (!li) return;
      pending.delete(a.client_id);
      if (bySeq.has(a.seq)) { li.remove(); receipts(); return; }
      li.classList.remove("pending");
      li.dataset.seq = a.seq;
      li.dataset.local = "1";  // replaced by the stored message when it arrives
      bySeq.set(a.seq, li);
      place(li, a.seq);
      receipts();
    }

    function readByOther(seq) {
      if (seq <= otherRead) return;
      otherRead = seq;
      receipts();
    }

    function markRead() {
      if (!ready || document.visibilityState !== "visible" || !document.hasFocus()) return;
      if (newest > readSent && send({ type: "read", conversation_id: id, seq: newest })) readSent = newest;
    }
    document.addEventListener("visibilitychange", markRead);
    window.addEventListener("focus", markRead);

    function connected() {
      syncedFrom = -1;
      readSent = 0;
      markRead();
    }

    // ---- sending ----

    function showPending(item, preview) {
      const kind = item.photo_id || preview ? "photo" : "text";
      const li = build({ kind, sender_id: me, client_id: item.client_id, body: item.body, photo_url: item.photo_url, created_at: item.created_at }, preview);
      li.classList.add("pending");
      li.dataset.state = "sending";
      pending.set(item.client_id, li);
      list.appendChild(li);
      return li;
    }

    function showFailure(li, detail, onRetry, onDelete) {
      li.dataset.state = "failed";
      const old = li.querySelector(".msg-error");
      if (old) old.remove();
      const box = node("div", "msg-error");
      box.setAttribute("role", "alert");
      const text = node("span", null, detail);
      text.dataset.testid = "send-error";
      const again = node("button", "link", T.retry);
      again.type = "button";
      again.dataset.testid = "retry";
      again.addEventListener("click", () => { box.remove(); onRetry(); });
      const remove = node("button", "link", T.delete);
      remove.type = "button";
      remove.dataset.testid = "discard";
      remove.addEventListener("click", () => { li.remove(); onDelete(); days(); receipts(); });
      box.append(text, again, remove);
      li.appendChild(box);
      receipts();
    }

    function refusedItem(item) {
      const li = pending.get(item.client_id) || showPending(item);
      pending.delete(item.client_id);
      showFailure(li, item.detail, () => {
        forget(item.client_id);
        li.remove();
        compose({ body: item.body, photo_id: item.photo_id, photo_url: item.photo_url });
      }, () => forget(item.client_id));
      changed(false);
    }

    function compose(fields) {
      const item = { client_id: newId(), conversation_id: id, body: "", created_at: new Date().toISOString(), ...fields };
      showPending(item);
      enqueue(item);
      changed(true);
    }

    if (form && input) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const body = input.value.trim();
        if (!body) { input.focus(); return; }
        input.value = "";
        compose({ body });
        input.focus();
      });
      input.addEventListener("keydown", (event) => {
        // Enter sends on a keyboard (Shift+Enter: a new line); never while Hangul is being composed.
        if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
        if (!window.matchMedia("(pointer: fine)").matches) return;
        event.preventDefault();
        form.requestSubmit();
      });
    }

    // Photos: previewed at once, uploaded, then sent like any message.
    async function upload(item, file, li, preview) {
      li.dataset.state = "uploading";
      receipts();
      const body = new FormData();
      body.append("file", file);
      let response = null;
      let data = null;
      try {
        response = await fetch("/api/v1/photos", {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf(), Accept: "application/json", "Accept-Language": document.documentElement.lang },
        });
        try { data = await response.json(); } catch (e) { data = null; }
      } catch (e) {
        uploadFailed(item, file, li, preview, T.network);
        return;
      }
      if (response.status !== 201 || !data || !data.id) {
        uploadFailed(item, file, li, preview, (data && data.detail) || T.photoFailed);
        return;
      }
      item.photo_id = data.id;
      item.photo_url = data.large_url;
      const img = li.querySelector("img");
      if (img) img.src = data.large_url;
      URL.revokeObjectURL(preview);
      li.dataset.state = "sending";
      enqueue(item);
      receipts();
    }

    function uploadFailed(item, file, li, preview, detail) {
      showFailure(li, detail, () => upload(item, file, li, preview), () => {
        pending.delete(item.client_id);
        URL.revokeObjectURL(preview);
      });
    }

    if (photoInput) {
      photoInput.addEventListener("change", () => {
        const file = photoInput.files && photoInput.files[0];
        photoInput.value = "";
        if (!file) return;
        const item = { client_id: newId(), conversation_id: id, body: "", created_at: new Date().toISOString() };
        const preview = URL.createObjectURL(file);
        const li = showPending(item, preview);
        changed(true);
        if (!PHOTO_TYPES.includes(file.type)) { uploadFailed(item, file, li, preview, T.photoType); return; }
        if (file.size > PHOTO_MAX_BYTES) { uploadFailed(item, file, li, preview, T.photoSize); return; }
        upload(item, file, li, preview);
      });
    }

    // ---- system lines change the room's header ----

    const pin = document.getElementById("appointment-pin");
    const pinText = document.getElementById("appointment-text");
    const status = document.querySelector("[data-testid='room-listing-status']");
    const reserveCheck = document.getElementById("reserve-check");
    const theyLeft = document.getElementById("they-left");

    function showAppointment(appointment) {
      if (!pin || !pinText) return;
      if (appointment) pinText.textContent = fill(T.pin, { when: meetTime(appointment.meet_at), place: appointment.place });
      pin.classList.toggle("hidden", !appointment);
    }

    function showStatus(code) {
      if (!status || !code) return;
      status.textContent = (T.statuses || {})[code] || code;
      status.className = "state state-" + code;
      if (reserveCheck) reserveCheck.classList.toggle("hidden", code !== "selling");
    }

    function applySystem(m) {
      const data = m.data || {};
      if (m.body === "appointment_set" || m.body === "appointment_changed") {
        showAppointment({ meet_at: data.meet_at, place: data.place || "" });
      } else if (m.body === "appointment_cancelled") {
        showAppointment(null);
      } else if (m.body === "reserved") {
        showStatus("reserved");
      } else if (m.body === "deal_completed") {
        showStatus("sold");
      } else if (m.body === "left" && data.user_id !== me && theyLeft) {
        theyLeft.classList.remove("hidden");
      } else if (m.body === "rejoined" && data.user_id !== me && theyLeft) {
        theyLeft.classList.add("hidden");
      }
    }

    // ---- 약속 잡기 ----

    const sheet = document.getElementById("appointment-sheet");
    const sheetForm = document.getElementById("appointment-form");
    const sheetError = document.getElementById("appointment-error");
    const openSheet = document.getElementById("appointment-open");
    const closeSheet = document.getElementById("appointment-close");
    const cancelAppointment = document.getElementById("appointment-cancel");

    function sheetProblem(text) {
      sheetError.textContent = text || "";
      sheetError.classList.toggle("hidden", !text);
    }

    if (sheet && sheetForm && openSheet) {
      openSheet.addEventListener("click", () => {
        sheetProblem("");
        sheetForm.elements.namedItem("date").min = dayKey(new Date().toISOString());
        sheet.showModal();
      });
      closeSheet.addEventListener("click", () => sheet.close());
      sheetForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const field = (name) => sheetForm.elements.namedItem(name);
        const date = field("date").value;
        let time = field("time").value;
        const place = field("place").value.trim();
        if (!date || !time || !place) { sheetProblem(T.appointmentMissing); return; }
        if (time.length === 5) time += ":00";
        const reserve = field("reserve");
        const save = sheetForm.querySelector("button[type=submit]");
        save.disabled = true;
        let res = null;
        try {
          res = await window.dongne.api("PUT", `/api/v1/chats/${id}/appointment`, {
            meet_at: `${date}T${time}+09:00`,
            place,
            reserve: Boolean(reserve && reserve.checked && !reserve.closest(".hidden")),
          });
        } catch (e) {
          res = null;
        }
        save.disabled = false;
        if (res && res.ok && res.data) {
          showAppointment(res.data.appointment);
          showStatus(res.data.listing_status);
          if (reserve) reserve.checked = false;
          sheet.close();
          return;
        }
        const data = (res && res.data) || {};
        const first = Array.isArray(data.errors) && data.errors[0] ? data.errors[0].message : null;
        sheetProblem(res ? first || data.detail || T.appointmentFailed : T.network);
      });
    }

    if (cancelAppointment) {
      cancelAppointment.addEventListener("click", async () => {
        if (!window.confirm(cancelAppointment.dataset.confirm)) return;
        try {
          const res = await window.dongne.api("DELETE", `/api/v1/chats/${id}/appointment`);
          if (res.ok) showAppointment(null);
        } catch (e) { /* the system line will tell, or it stays */ }
      });
    }

    // ---- older messages ----

    const older = document.getElementById("older");
    if (older) {
      older.addEventListener("click", async () => {
        older.disabled = true;
        try {
          const r = await fetch(`/api/v1/chats/${id}/messages?before=${firstSeq}&limit=50`, {
            credentials: "same-origin", headers: { Accept: "application/json" },
          });
          const batch = r.ok ? await r.json() : null;
          if (Array.isArray(batch)) {
            const height = document.documentElement.scrollHeight;
            batch.forEach((m) => {
              if (bySeq.has(m.seq)) return;
              const li = build(m);
              bySeq.set(m.seq, li);
              place(li, m.seq);
            });
            if (batch.length) firstSeq = batch[0].seq;
            if (!batch.length || firstSeq <= 1) older.parentElement.remove();
            days();
            receipts();
            window.scrollBy(0, document.documentElement.scrollHeight - height);  // keep the reader's place
          }
        } catch (e) { /* try again */ }
        older.disabled = false;
      });
    }

    // ---- start: what this tab still has to send for this room ----

    outbox.filter((item) => item.conversation_id === id).forEach((item) => {
      if (renderedIds.has(item.client_id)) settle(item.client_id);  // stored before the reload
      else showPending(item);
    });
    failed.filter((item) => item.conversation_id === id).forEach((item) => {
      if (renderedIds.has(item.client_id)) forget(item.client_id);
      else refusedItem(item);
    });
    days();
    receipts();
    toBottom();

    return { receive, acked, otherRead: readByOther, refused: refusedItem, connected };
  }

  const list = makeList();
  const room = makeRoom();
  if (!document.querySelector("[data-chat-badge][data-rendered]")) refreshBadge(0);
  connect();
})();
