// The API documentation (Swagger UI), completed for keyboards and screen readers as Swagger UI redraws the page:
// a parameter's choice of values is named after the parameter, and an example that scrolls sideways on a narrow
// screen can be reached with the keyboard to scroll it.
(function () {
  "use strict";
  function complete(root) {
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr[data-param-name]").getAttribute("data-param-name"));
    });
    root.querySelectorAll(".highlight-code > pre:not([tabindex])").forEach(function (example) {
      example.tabIndex = 0;
    });
  }
  new MutationObserver(function () { complete(document); }).observe(document.body, { childList: true, subtree: true });
})();
