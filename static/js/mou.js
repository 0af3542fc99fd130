// Progressive enhancements of the agreement pages (bringing errors and outcomes into view is portal.js's, on every
// page); every page works without them.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
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
