// A button that copies an address (the calendar feed's) to the clipboard. The button is shown only where the
// script runs; without it the address stays selectable in its read-only field.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy-target]").forEach(function (holder) {
      var field = document.getElementById(holder.getAttribute("data-copy-target"));
      var button = holder.querySelector("gcds-button");
      var status = holder.querySelector("[role=status]");
      if (!field || !button) return;
      holder.hidden = false;
      button.addEventListener("click", function () {
        var said = function (text) { status.textContent = text; };
        var fallback = function () {
          field.focus();
          field.select();
          said(document.execCommand && document.execCommand("copy") ? holder.dataset.copied : holder.dataset.copyFailed);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () { said(holder.dataset.copied); }, fallback);
        } else {
          fallback();
        }
      });
    });
  });
})();
