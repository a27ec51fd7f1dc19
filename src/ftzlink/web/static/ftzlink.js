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
  // A file input with data-sha256="ID" puts the SHA-256 of the chosen file (Web Crypto) in the
  // hidden input ID and is then left out of the form, so the file stays on this computer.
  // Without Web Crypto (or JavaScript) the file is sent and the platform hashes it.
  function toHex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function hashChosenFile(event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-sha256]")) { return; }
    var target = document.getElementById(input.getAttribute("data-sha256"));
    var status = document.getElementById(input.getAttribute("data-sha256-status"));
    var file = input.files && input.files[0];
    target.value = "";  // a new choice replaces the fingerprint of an earlier one
    input.ftzHashing = null;
    if (status) { status.textContent = ""; }
    if (!file || !window.crypto || !window.crypto.subtle || !file.arrayBuffer) { return; }
    if (status) { status.textContent = status.getAttribute("data-reading"); }
    var hashing = file.arrayBuffer().then(function (data) {
      return window.crypto.subtle.digest("SHA-256", data);
    }).then(function (digest) {
      if (input.ftzHashing !== hashing) { return; }  // another file was chosen meanwhile
      target.value = toHex(digest);
      if (status) { status.textContent = status.getAttribute("data-read"); }
    }, function () {
      if (status) { status.textContent = ""; }  // the file is sent and hashed by the platform
    }).then(function () {
      if (input.ftzHashing === hashing) { input.ftzDone = true; }
    });
    input.ftzDone = false;
    input.ftzHashing = hashing;
  }
  function sendFingerprintOnly(event) {
    var form = event.target;
    var input = form.querySelector && form.querySelector("input[type=file][data-sha256]");
    if (!input || !input.files || !input.files.length) { return; }
    if (input.ftzHashing && !input.ftzDone) {
      // Still reading a large file: send the form once its fingerprint is ready.
      event.preventDefault();
      var submitter = event.submitter;
      input.ftzHashing.then(function () {
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      });
      return;
    }
    if (document.getElementById(input.getAttribute("data-sha256")).value) {
      input.disabled = true;  // the fingerprint goes instead of the file
    }
  }
  function enableFileInputs() {
    // Coming back to the page (the browser's back button) finds the file input usable again.
    document.querySelectorAll("input[type=file][data-sha256]").forEach(function (input) {
      input.disabled = false;
    });
  }
  function keepPlaceOnLanguageSwitch(event) {
    // htmx may have changed the address (filters pushed into it) since the page was rendered:
    // the language switch goes back to the address shown now.
    var link = event.target.closest && event.target.closest("a.language[data-follow-address]");
    if (!link) { return; }
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("next", window.location.pathname + window.location.search);
    link.href = url.pathname + url.search;
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
  document.addEventListener("change", hashChosenFile);
  document.addEventListener("submit", sendFingerprintOnly);
  window.addEventListener("pageshow", enableFileInputs);
  document.addEventListener("click", print);
  document.addEventListener("click", keepPlaceOnLanguageSwitch);
  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrorSummary(event.target);
    event.target.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
  });
})();
