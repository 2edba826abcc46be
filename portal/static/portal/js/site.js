// Collapses the main menu behind a "Menu" button on narrow screens. Without
// JavaScript the menu simply stays open.
(function () {
  var toggle = document.querySelector(".site-nav__toggle");
  var menu = document.getElementById("site-menu");
  if (!toggle || !menu) return;
  var narrow = window.matchMedia("(max-width: 47.99em)");
  function sync() {
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
})();

// A page that answers a submitted form (an error summary or a result) moves
// the focus there, so keyboard and screen-reader users start at the answer.
(function () {
  var target = document.querySelector("[data-focus-on-load]");
  if (target) target.focus();
})();

// A form that must be sent once (the application): after the first click the
// button says "Sending…" and ignores further clicks. The server is idempotent
// anyway; this only spares the citizen the doubt.
(function () {
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit][data-sending-label]");
      if (button) { button.setAttribute("aria-disabled", "true"); button.textContent = button.dataset.sendingLabel; }
    });
  });
})();
