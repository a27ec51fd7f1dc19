// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }
  function selectAll(event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) { return; }
    var scope = document.getElementById(box.getAttribute("data-select-all")) || box.form;
    scope.querySelectorAll("input[type=checkbox][name]").forEach(function (item) {
      if (item !== box) { item.checked = box.checked; }
    });
  }
  function print(event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  }
  function openMenuWhenWide() {
    // Browsers without ::details-content show a closed disclosure's links only when it is open:
    // open on a wide screen, folded again when the window becomes narrow.
    var menu = document.querySelector("[data-menu]");
    var wide = window.matchMedia("(min-width: 40.0625rem)");
    if (!menu) { return; }
    menu.open = wide.matches;
    wide.addEventListener("change", function () { menu.open = wide.matches; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    openMenuWhenWide();
    focusErrorSummary(document);
    document.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
  });
  document.addEventListener("change", selectAll);
  document.addEventListener("click", print);
  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrorSummary(event.target);
    event.target.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
  });
})();
