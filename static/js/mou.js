// Progressive enhancements of the agreement pages; every page works without them.
(function () {
  "use strict";

  // A link in an error summary moves focus into its field, even when the field's control lives in a
  // design-system component's shadow root (plain fragment navigation only scrolls there).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".portal-error-summary a[data-focus]");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("data-focus"));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    // After a page with errors loads, take the reader to the summary.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();

    // Selecting words in a version's text quotes them in the comment form's passage field.
    var text = document.querySelector("[data-passage-field]");
    if (!text) return;
    var field = document.getElementById(text.getAttribute("data-passage-field"));
    var status = document.getElementById(text.getAttribute("data-passage-field") + "-status");
    if (!field) return;
    var timer = null;
    document.addEventListener("selectionchange", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var selection = window.getSelection();
        if (!selection || selection.isCollapsed || !selection.rangeCount) return;
        var range = selection.getRangeAt(0);
        if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
        var quoted = selection.toString().trim();
        if (!quoted || quoted === field.value) return;
        field.value = quoted;
        if (status) status.textContent = status.getAttribute("data-message");
      }, 400);
    });
  });
})();
