// Small progressive enhancements; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  var phone = window.matchMedia("(max-width: 639.98px)");

  // Compact header: the menu button folds the navigation on phones.
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Tables become cards on phones: every cell carries its column's name.
  document.querySelectorAll("table.table, table.report-table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var col = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (!cell.hasAttribute("data-label") && heads[col] !== undefined && cell.colSpan === 1) {
          cell.setAttribute("data-label", heads[col]);
        }
        col += cell.colSpan || 1;
      });
    });
  });

  // Filter panels start folded on phones, open on larger screens.
  if (phone.matches) {
    document.querySelectorAll("details.collapsible[open]").forEach(function (d) {
      if (!d.hasAttribute("data-keep-open")) { d.removeAttribute("open"); }
    });
  }

  // Full-screen button (classroom projector screen).
  document.querySelectorAll("[data-fullscreen]").forEach(function (button) {
    button.addEventListener("click", function () {
      var root = document.documentElement;
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (root.requestFullscreen) { root.requestFullscreen(); }
    });
  });
  document.querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-width") + "%";
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
