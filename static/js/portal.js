// Progressive enhancements of every page (outcomes and errors brought into view); each page works without them.
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
  // After a page loads with errors, or with the outcome of an action, take the reader to it.
  function focusOutcome(within) {
    var outcome = within.querySelector("#error-summary") || within.querySelector("[data-outcome]");
    if (outcome) outcome.focus();
  }
  // Once loaded: the browser's own move to the #section the address names comes first and would take it back.
  window.addEventListener("load", function () {
    window.setTimeout(function () { focusOutcome(document); }, 0);
  });
  // The same after an in-place update: the errors of the form swapped in, or the outcome it reports. A swap
  // that asks for a control to keep the focus (autofocus, as after moving an agenda item) keeps it there.
  document.addEventListener("htmx:afterSettle", function (event) {
    var fragment = event.detail.elt;
    if (!fragment || !fragment.isConnected || fragment.querySelector("[autofocus]")) return;
    focusOutcome(fragment);
  });
})();
