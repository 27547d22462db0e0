// A form is sent once. A second click on its button while the page waits for the answer (a double click,
// an impatient user) sent it again: the case then said "someone else changed this case", and the note sent
// again by a user who believed it was lost stood twice in the history. The second submit of a form is
// stopped here; the server still refuses a stale form (the case's lock version) whatever the browser does.
// Forms that something else stopped (htmx, a check of the page's own script) are not marked. Back to a page
// from the browser's cache, or after a pause long enough to be meant (a download), the form can be sent again.
(function () {
  "use strict";
  var AGAIN_AFTER_MS = 8000;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.kzSent === "yes") {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) {
      return;
    }
    form.dataset.kzSent = "yes";
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () {
      delete form.dataset.kzSent;
      form.removeAttribute("aria-busy");
    }, AGAIN_AFTER_MS);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-kz-sent]").forEach(function (form) {
      delete form.dataset.kzSent;
      form.removeAttribute("aria-busy");
    });
  });
})();
