// Shared helpers: JSON calls that carry the CSRF token and the page's language.
(function () {
  "use strict";
  const token = () => document.querySelector('meta[name="csrf-token"]').content;
  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": token(),
        "Accept-Language": document.documentElement.lang,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return { ok: response.ok, status: response.status, data };
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  }
  window.dongne = { api, fill };
})();
