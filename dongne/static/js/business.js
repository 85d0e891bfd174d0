// 가게 위치 인증: the device's position goes to the server once, for the check,
// and is not kept (the same rule as a person's 동네 인증).
(function () {
  "use strict";
  const root = document.querySelector("[data-business-id]");
  const button = document.getElementById("biz-verify");
  if (!root || !button) return;
  const msg = root.dataset;
  const status = document.getElementById("biz-verify-status");
  const { api } = window.dongne;
  button.disabled = false;  // rendered disabled: it needs this script to work

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  button.addEventListener("click", () => {
    if (!navigator.geolocation) { say(msg.msgUnsupported, true); return; }
    say(msg.msgLocating);
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const res = await api("POST", `/api/v1/businesses/${msg.businessId}/verify`,
        { latitude: pos.coords.latitude, longitude: pos.coords.longitude });
      button.disabled = false;
      if (!res.ok) { say(res.data && res.data.detail ? res.data.detail : msg.msgFailed, true); return; }
      window.location.reload();
    }, () => { button.disabled = false; say(msg.msgDenied, true); },
    { enableHighAccuracy: true, timeout: 15000 });
  });
})();
