// "Choose all on this page" for a list's bulk step (a team lead's hand-over). The control is in the page
// hidden, and shown here: without this script each row is still chosen on its own and the form works the
// same. It is a check box, so the keyboard (Tab, Space) and screen readers handle it as any other; it has
// no name and belongs to no form, so it is never sent. It ticks or clears the page's check boxes named by
// `data-kz-select-all` in the form named by `data-kz-form`, and shows "some chosen" when only some are.
(function () {
  "use strict";

  function boxes(control) {
    var name = control.getAttribute("data-kz-select-all");
    var form = control.getAttribute("data-kz-form");
    return Array.prototype.filter.call(document.querySelectorAll('input[type="checkbox"]'), function (box) {
      return box !== control && box.name === name && box.getAttribute("form") === form && !box.disabled;
    });
  }

  function reflect(control) {
    var all = boxes(control);
    var ticked = all.filter(function (box) {
      return box.checked;
    }).length;
    control.checked = all.length > 0 && ticked === all.length;
    control.indeterminate = ticked > 0 && ticked < all.length;
  }

  document.querySelectorAll("input[type=checkbox][data-kz-select-all]").forEach(function (control) {
    control.hidden = false;
    reflect(control);
    control.addEventListener("change", function () {
      boxes(control).forEach(function (box) {
        box.checked = control.checked;
      });
      control.indeterminate = false;
    });
    boxes(control).forEach(function (box) {
      box.addEventListener("change", function () {
        reflect(control);
      });
    });
  });
})();
