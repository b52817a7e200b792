/* Claimdesk, every page: small enhancements that would otherwise be inline handlers, which the
 * Content-Security-Policy forbids (no on* attribute runs). Links and forms work without it. */
(function () {
  "use strict";

  // A key shown once (a new API token): focusing the field selects it, ready to copy.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
