// Progressive enhancements of the public site. Each works on a part of the
// page ("root"), so that a page replaced after a background upload gets them
// again. Without JavaScript every form still works as a plain form.
(function () {
  "use strict";

  // Collapses the main menu behind a "Menu" button on narrow screens. Without
  // JavaScript the menu simply stays open.
  var narrow = window.matchMedia("(max-width: 47.99em)");
  function enhanceMenu(root) {
    var toggle = root.querySelector(".site-nav__toggle");
    var menu = root.querySelector("#site-menu");
    if (!toggle || !menu) return;
    function sync() {
      if (!toggle.isConnected) { narrow.removeEventListener("change", sync); return; }
      if (narrow.matches) {
        toggle.hidden = false;
        menu.hidden = toggle.getAttribute("aria-expanded") !== "true";
      } else {
        toggle.hidden = true;
        menu.hidden = false;
      }
    }
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      sync();
    });
    narrow.addEventListener("change", sync);
    sync();
  }

  // A page that answers a submitted form (an error summary or a result) moves
  // the focus there, so keyboard and screen-reader users start at the answer.
  function focusAnswer(root) {
    var target = root.querySelector("[data-focus-on-load]");
    if (target) target.focus();
  }

  // A form that must be sent once (the application): after the first click the
  // button says "Sending…" and ignores further clicks. The server is idempotent
  // anyway; this only spares the citizen the doubt.
  function enhanceSubmitOnce(root) {
    root.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        var button = form.querySelector("button[type=submit][data-sending-label]");
        if (button) { button.setAttribute("aria-disabled", "true"); button.textContent = button.dataset.sendingLabel; }
      });
    });
  }

  // Forms with files show how far the upload has come: with files chosen, the
  // form is sent in the background with a progress bar, and the server's
  // answer (the next page, or this one with its error messages) replaces the
  // page as a normal submission would.
  function chosenBytes(form) {
    var total = 0;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
    });
    return total;
  }

  function formatBytes(bytes) {
    var lang = document.documentElement.lang || "da";
    var mb = bytes / (1024 * 1024);
    if (mb >= 1) return mb.toLocaleString(lang, { maximumFractionDigits: 1 }) + " MB";
    return Math.max(1, Math.round(bytes / 1024)).toLocaleString(lang) + " KB";
  }

  var shownAddress = null;  // set once a page is replaced in place

  function withoutFragment(url) { return url.split("#")[0]; }

  function showPage(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    if (url && withoutFragment(url) !== withoutFragment(window.location.href)) {
      window.history.pushState({ uploaded: true }, "", url);
    }
    shownAddress = withoutFragment(window.location.href);
    document.title = next.title;
    document.body.className = next.body.className;
    document.body.innerHTML = next.body.innerHTML;
    window.scrollTo(0, 0);
    enhance(document);
  }

  function enhanceUploads(root) {
    root.querySelectorAll("form[data-upload-form]").forEach(function (form) {
      var status = form.querySelector("[data-upload-status]");
      if (!status || !window.FormData || !window.DOMParser) return;
      var bar = status.querySelector("progress");
      var text = status.querySelector("[data-upload-text]");
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        var total = chosenBytes(form);
        if (!total) return;
        event.preventDefault();
        if (form.dataset.uploading) return;
        form.dataset.uploading = "1";
        var data = new FormData(form);
        var submitter = event.submitter;
        if (submitter && submitter.name) data.append(submitter.name, submitter.value);
        var buttons = form.querySelectorAll("button[type=submit]");
        buttons.forEach(function (button) { button.setAttribute("aria-disabled", "true"); });
        status.hidden = false;
        var announce = status.querySelector("[data-upload-announce]");
        var lang = document.documentElement.lang || "da";
        var percentFormat = new Intl.NumberFormat(lang, { style: "percent" });
        var announced = -1;
        function say(message, toScreenReaders) {
          text.textContent = message;
          if (toScreenReaders) announce.textContent = message;
        }
        function report(loaded) {
          var share = Math.min(1, loaded / total);
          bar.value = Math.floor(share * 100);
          var quarter = Math.floor(share * 4);
          say(status.dataset.progressText.replace("{percent}", percentFormat.format(Math.floor(share * 100) / 100))
            .replace("{total}", formatBytes(total)), quarter !== announced);
          announced = quarter;
        }
        function failed() {
          delete form.dataset.uploading;
          delete form.dataset.sent;
          buttons.forEach(function (button) { button.removeAttribute("aria-disabled"); });
          say(status.dataset.failedText, true);
          status.classList.add("upload-status--failed");
        }
        report(0);
        var request = new XMLHttpRequest();
        // Not form.action: the buttons named "action" shadow that property.
        request.open("POST", new URL(form.getAttribute("action") || "", window.location.href).href);
        request.upload.addEventListener("progress", function (e) { report(e.lengthComputable ? e.loaded * total / e.total : 0); });
        request.upload.addEventListener("load", function () { bar.value = 100; say(status.dataset.doneText, true); });
        request.addEventListener("load", function () {
          var type = request.getResponseHeader("Content-Type") || "";
          if (request.status >= 500 || type.indexOf("text/html") !== 0) { failed(); return; }
          showPage(request.responseText, request.responseURL);
        });
        request.addEventListener("error", failed);
        request.addEventListener("abort", failed);
        request.send(data);
      });
    });
  }

  // Pages that only hand the browser on to another site (MitID logout)
  // send their form at once; without JavaScript the button does it.
  function autoSubmit(root) {
    root.querySelectorAll("form[data-auto-submit]").forEach(function (form) { form.submit(); });
  }

  function enhance(root) {
    autoSubmit(root);
    enhanceMenu(root);
    focusAnswer(root);
    enhanceSubmitOnce(root);
    enhanceUploads(root);
  }

  // A page shown after a background upload has no document of its own in the
  // history: going back or forward loads the address afresh (but a link to
  // a field on the same page, from the error summary, only moves there).
  window.addEventListener("popstate", function () {
    if (shownAddress !== null && withoutFragment(window.location.href) !== shownAddress) window.location.reload();
  });

  enhance(document);
})();
