// The write/edit form: photos upload one by one as they are chosen (preview,
// progress, errors, remove, reorder), then the form posts JSON to the API and
// shows each refusal next to its field.
(function () {
  "use strict";
  const form = document.getElementById("listing-form");
  if (!form) return;
  const msg = form.dataset;
  const maxPhotos = Number(msg.maxPhotos) || 10;
  const list = document.getElementById("photo-list");
  const addItem = list.querySelector(".photo-add");
  const input = document.getElementById("photo-input");
  const count = document.getElementById("photo-count");
  const general = document.getElementById("form-error");
  const field = (name) => form.elements.namedItem(name);
  const price = field("price");
  const free = field("is_free");
  const offers = field("accepts_offers");
  const description = field("description");
  const descriptionCount = document.getElementById("description-count");
  const acceptedTypes = ["image/jpeg", "image/png", "image/webp"];
  const maxBytes = 10 * 1024 * 1024;
  const token = () => document.querySelector('meta[name="csrf-token"]').content;

  // {key, id, thumb, state: "uploading" | "done" | "error", progress, error}
  let nextKey = 0;
  let photos = JSON.parse(msg.photos || "[]").map((p) => (
    { key: nextKey++, id: p.id, thumb: p.thumb_url, state: "done", progress: 1, error: "" }
  ));

  function button(label, icon, onClick, testid) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "tile-button " + icon;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.textContent = { close: "×", left: "←", right: "→" }[icon];
    if (testid) b.dataset.testid = testid;
    b.addEventListener("click", onClick);
    return b;
  }

  function move(entry, by) {
    const i = photos.indexOf(entry);
    const j = i + by;
    if (i < 0 || j < 0 || j >= photos.length) return;
    photos[i] = photos[j];
    photos[j] = entry;
    render();
  }

  function remove(entry) {
    if (entry.xhr) entry.xhr.abort();
    if (entry.local) URL.revokeObjectURL(entry.local);
    photos = photos.filter((p) => p !== entry);
    render();
  }

  function tile(entry, index) {
    const li = document.createElement("li");
    li.className = "photo " + entry.state;
    li.dataset.testid = "photo-tile";
    li.dataset.key = entry.key;  // the list is rebuilt on each change; progress finds its tile by key
    if (entry.id) li.dataset.photoId = entry.id;
    const img = document.createElement("img");
    img.alt = "";
    img.src = entry.thumb || entry.local || "";
    li.appendChild(img);
    if (index === 0 && entry.state === "done") {
      const cover = document.createElement("span");
      cover.className = "cover";
      cover.textContent = msg.msgCover;
      li.appendChild(cover);
    }
    if (entry.state === "uploading") {
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = Math.round(entry.progress * 100);
      bar.setAttribute("aria-label", msg.msgUploading);
      li.appendChild(bar);
    }
    if (entry.state === "error") {
      const err = document.createElement("span");
      err.className = "tile-error";
      err.setAttribute("role", "alert");
      err.dataset.testid = "photo-error";
      err.textContent = entry.error;
      li.appendChild(err);
    }
    const tools = document.createElement("span");
    tools.className = "tile-tools";
    if (index > 0) tools.appendChild(button(msg.msgLeft, "left", () => move(entry, -1), "photo-left"));
    if (index < photos.length - 1) {
      tools.appendChild(button(msg.msgRight, "right", () => move(entry, 1), "photo-right"));
    }
    li.appendChild(tools);
    li.appendChild(button(msg.msgRemove, "close", () => remove(entry), "photo-remove"));
    return li;
  }

  function render() {
    list.querySelectorAll("li.photo").forEach((li) => li.remove());
    photos.forEach((entry, i) => list.appendChild(tile(entry, i)));
    const kept = photos.filter((p) => p.state !== "error").length;
    count.textContent = kept + "/" + maxPhotos;
    input.disabled = kept >= maxPhotos;
    addItem.classList.toggle("full", kept >= maxPhotos);
  }

  function upload(entry, file) {
    const xhr = new XMLHttpRequest();
    entry.xhr = xhr;
    xhr.open("POST", "/api/v1/photos");
    xhr.setRequestHeader("X-CSRF-Token", token());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Accept-Language", document.documentElement.lang);
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      entry.progress = e.loaded / e.total;
      const bar = list.querySelector(`li[data-key="${entry.key}"] progress`);
      if (bar) bar.value = Math.round(entry.progress * 100);
    });
    xhr.addEventListener("load", () => {
      entry.xhr = null;
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 201 && data) {
        entry.id = data.id;
        entry.thumb = data.thumb_url;
        entry.state = "done";
        if (entry.local) { URL.revokeObjectURL(entry.local); entry.local = null; }
      } else {
        entry.state = "error";
        entry.error = (data && data.detail) || msg.msgFailed;
      }
      render();
    });
    xhr.addEventListener("error", () => {
      entry.xhr = null;
      entry.state = "error";
      entry.error = msg.msgNetwork;
      render();
    });
    const body = new FormData();
    body.append("file", file);
    xhr.send(body);
  }

  input.addEventListener("change", () => {
    showError("photo_ids", "");
    for (const file of Array.from(input.files)) {
      const kept = photos.filter((p) => p.state !== "error").length;
      if (kept >= maxPhotos) { showError("photo_ids", msg.msgTooMany); break; }
      const entry = { key: nextKey++, id: null, thumb: null, state: "uploading", progress: 0, error: "" };
      photos.push(entry);
      if (!acceptedTypes.includes(file.type)) {
        entry.state = "error";
        entry.error = msg.msgType;
      } else if (file.size > maxBytes) {
        entry.state = "error";
        entry.error = msg.msgSize;
      } else {
        entry.local = URL.createObjectURL(file);
        upload(entry, file);
      }
    }
    input.value = "";
    render();
  });

  function syncFree() {
    price.disabled = free.checked;
    offers.disabled = free.checked;
    if (free.checked) offers.checked = false;
  }
  free.addEventListener("change", syncFree);

  function syncCount() {
    descriptionCount.textContent = description.value.length + "/4000";
  }
  description.addEventListener("input", syncCount);

  function showError(name, text) {
    const el = form.querySelector(`[data-error-for="${name}"]`);
    const target = el || general;
    target.textContent = text;
    target.classList.toggle("hidden", !text);
    const box = form.querySelector(`[data-field="${name}"]`);
    if (box) box.classList.toggle("invalid", Boolean(text));
    const control = field(name);
    if (control && control.setAttribute) control.setAttribute("aria-invalid", text ? "true" : "false");
  }

  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach((el) => showError(el.dataset.errorFor, ""));
    general.textContent = "";
    general.classList.add("hidden");
  }

  function priceValue() {
    const raw = price.value.trim().replace(/,/g, "");
    if (free.checked || raw === "") return null;
    return /^\d+$/.test(raw) ? Number(raw) : raw;  // the server explains anything else
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    if (photos.some((p) => p.state === "uploading")) { showError("_", msg.msgWait); return; }
    if (photos.some((p) => p.state === "error")) { showError("photo_ids", msg.msgFailedPhotos); return; }
    const body = {
      title: field("title").value,
      category: field("category").value,
      price: priceValue(),
      is_free: free.checked,
      accepts_offers: offers.checked && !free.checked,
      description: description.value,
      photo_ids: photos.map((p) => p.id),
    };
    const id = msg.listingId;
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    let res;
    try {
      res = await window.dongne.api(id ? "PUT" : "POST", id ? `/api/v1/listings/${id}` : "/api/v1/listings", body);
    } catch (e) {
      submit.disabled = false;
      showError("_", msg.msgNetwork);
      return;
    }
    if (res.ok && res.data) {
      window.location.assign(`/listings/${res.data.id}`);
      return;
    }
    submit.disabled = false;
    if (res.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
      return;
    }
    const data = res.data || {};
    const errors = Array.isArray(data.errors) ? data.errors : [];
    if (!errors.length) { showError("_", data.detail || msg.msgFailed); return; }
    let first = null;
    for (const err of errors) {
      const name = String(err.field || "").split(".")[0];
      const known = name && form.querySelector(`[data-error-for="${name}"]`);
      showError(known ? name : "_", err.message);
      if (known && !first) first = form.querySelector(`[data-field="${name}"]`);
    }
    (first || general).scrollIntoView({ block: "center", behavior: "smooth" });
  });

  syncFree();
  syncCount();
  render();
})();
