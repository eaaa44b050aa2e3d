// Starts Swagger UI on /api/v1/docs. Kept out of the page so the CSP needs no inline
// script; the validator badge is off because it would call a public server.
"use strict";

const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
