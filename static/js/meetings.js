// Progressive enhancements of the meeting pages; every page works without them.
(function () {
  "use strict";
  // A link in an error summary moves focus into its field, even when the field's control lives in a
  // design-system component's shadow root (plain fragment navigation only scrolls there).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-focus]");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("data-focus"));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
    history.replaceState(null, "", "#" + field.id);
  });
  // After a page with errors loads, take the reader to the summary.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
