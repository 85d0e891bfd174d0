// The API reference, served from our own host (no CDN).
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
