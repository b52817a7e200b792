/* Claimdesk, every page: small enhancements that would otherwise be inline handlers, which the
 * Content-Security-Policy forbids (no on* attribute runs). Links and forms work without it. */
(function () {
  "use strict";

  // A secret to copy (a new API token, a webhook's secret): focusing the field selects it.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
