// The interactive API documentation (Swagger UI, served from this package: works offline, no CDN).
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: root.getAttribute("data-url"), dom_id: "#swagger-ui", deepLinking: false,
                           presets: [window.SwaggerUIBundle.presets.apis], layout: "BaseLayout",
                           validatorUrl: null, tryItOutEnabled: true });
});
