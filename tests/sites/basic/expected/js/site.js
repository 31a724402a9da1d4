/* sitegen default theme: date line, mobile menu, text size. No dependencies. */
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var KEY = "sitegen-font-scale";
  var STEPS = [0.875, 1, 1.125, 1.25, 1.375, 1.5];

  function store(action, value) {
    try {
      if (action === "get") return window.localStorage.getItem(KEY);
      if (value === null) window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, value);
    } catch (e) { /* storage blocked: keep the setting for this page only */ }
    return null;
  }

  /* Text size */
  var index = 1;
  var saved = parseFloat(store("get"));
  if (STEPS.indexOf(saved) > -1) index = STEPS.indexOf(saved);
  var smaller = doc.querySelector(".font-smaller");
  var larger = doc.querySelector(".font-larger");

  function applyScale(persist) {
    var scale = STEPS[index];
    if (scale === 1) {
      root.removeAttribute("data-font-scale");
      root.style.removeProperty("--article-scale");
    } else {
      root.setAttribute("data-font-scale", String(scale));
      root.style.setProperty("--article-scale", String(scale));
    }
    if (smaller) smaller.disabled = index === 0;
    if (larger) larger.disabled = index === STEPS.length - 1;
    if (persist) store("set", scale === 1 ? null : String(scale));
  }
  function step(delta) {
    return function () {
      var next = Math.min(STEPS.length - 1, Math.max(0, index + delta));
      if (next !== index) { index = next; applyScale(true); }
    };
  }
  var controls = doc.querySelector(".font-controls");
  if (controls) controls.hidden = false;
  if (smaller) smaller.addEventListener("click", step(-1));
  if (larger) larger.addEventListener("click", step(1));
  applyScale(false);

  /* Today's date, in the page's language */
  var today = doc.querySelectorAll("[data-today]");
  if (today.length) {
    var opts = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
    var text;
    try {
      text = new Intl.DateTimeFormat(root.lang || undefined, opts).format(new Date());
    } catch (e) {
      text = new Date().toDateString();
    }
    for (var i = 0; i < today.length; i++) today[i].textContent = text;
  }

  /* Wide tables and code scroll sideways: let keyboard users reach them. */
  var wide = doc.querySelectorAll(".prose table, .prose pre");
  for (var w = 0; w < wide.length; w++) {
    if (wide[w].scrollWidth > wide[w].clientWidth + 1) wide[w].tabIndex = 0;
  }

  /* Menu toggle (phones) */
  var toggle = doc.querySelector(".nav-toggle");
  var panel = toggle && doc.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && panel) {
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    toggle.hidden = false;
    setOpen(false);
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    doc.addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") &&
          toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        if (panel.contains(doc.activeElement)) toggle.focus();
      }
    });
  }
})();
