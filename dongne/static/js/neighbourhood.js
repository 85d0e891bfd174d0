// 내 동네: verify by the device's location, pick the range, switch or remove.
// The position goes to the server once, for the check, and is not kept.
(function () {
  "use strict";
  const root = document.getElementById("my-places");
  if (!root) return;
  const msg = root.dataset;
  const status = document.getElementById("locate-status");
  const verifyButton = document.getElementById("verify");
  const { api, fill } = window.dongne;
  let position = null;
  let found = null;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  document.getElementById("locate").addEventListener("click", () => {
    if (!navigator.geolocation) { say(msg.msgUnsupported, true); return; }
    say(msg.msgLocating);
    verifyButton.classList.add("hidden");
    navigator.geolocation.getCurrentPosition(async (pos) => {
      position = { latitude: pos.coords.latitude, longitude: pos.coords.longitude };
      const q = new URLSearchParams({ lat: position.latitude, lon: position.longitude });
      const res = await api("GET", "/api/v1/geo/reverse?" + q.toString());
      if (!res.ok) { say(res.data && res.data.detail ? res.data.detail : msg.msgFailed, true); return; }
      found = res.data;
      say(fill(msg.msgHere, { name: found.full_name }));
      verifyButton.textContent = fill(msg.msgVerify, { name: found.name });
      verifyButton.classList.remove("hidden");
    }, () => say(msg.msgDenied, true), { enableHighAccuracy: true, timeout: 15000 });
  });

  verifyButton.addEventListener("click", async () => {
    if (!found || !position) return;
    verifyButton.disabled = true;
    const res = await api("POST", "/api/v1/me/neighbourhoods/verify",
      { neighbourhood_id: found.id, latitude: position.latitude, longitude: position.longitude });
    position = null;  // forget it as soon as it has been used
    verifyButton.disabled = false;
    if (!res.ok) { say(res.data && res.data.detail ? res.data.detail : msg.msgFailed, true); return; }
    say(msg.msgVerified);
    window.location.reload();
  });

  root.querySelectorAll(".range").forEach((box) => {
    const slider = box.querySelector("input[type=range]");
    const label = box.querySelector(".range-count");
    const counts = box.dataset.counts.split(",").map(Number);
    const show = () => {
      const level = Number(slider.value);
      label.textContent = level === 0
        ? fill(msg.msgRangeSelf, { name: box.dataset.name })
        : fill(msg.msgRange, { name: box.dataset.name, count: counts[level] - 1 });
    };
    slider.addEventListener("input", show);
    slider.addEventListener("change", async () => {
      show();
      const res = await api("PUT", `/api/v1/me/neighbourhoods/${box.dataset.id}/range`,
        { level: Number(slider.value) });
      label.classList.toggle("error", !res.ok);
      if (res.ok) label.dataset.saved = slider.value;
    });
  });

  root.querySelectorAll("button[data-action]").forEach((button) => {
    button.addEventListener("click", async () => {
      const id = button.dataset.id;
      const res = button.dataset.action === "activate"
        ? await api("POST", `/api/v1/me/neighbourhoods/${id}/activate`)
        : await api("DELETE", `/api/v1/me/neighbourhoods/${id}`);
      if (res.ok) window.location.reload(); else say(msg.msgFailed, true);
    });
  });
})();
