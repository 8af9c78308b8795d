/* CT Portal's own behaviour. Pages work without JavaScript; this only adds comfort.
   No inline scripts anywhere: behaviour is attached here through data- attributes. */
(function () {
  "use strict";

  // <form data-confirm="Really delete?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <button data-confirm="Remove NACTA?"> asks before its click does anything (a grid's
  // Remove, say). Listening in the capture phase runs this before any other handler.
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("button[data-confirm], a[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // <select data-autosubmit> submits its form when changed (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // A table wider than the screen scrolls sideways inside .table-responsive. Keyboard
  // users can scroll it only if it takes focus, so while it scrolls it is a focusable
  // region named by its caption (WCAG 2.1.1; axe's scrollable-region-focusable).
  // Checked again when the width changes and after htmx swaps content in.
  function markScrollRegions() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var name = caption && caption.textContent.trim();
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name || "Table, scrolls sideways");
        box.setAttribute("data-scroll-region", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }
  markScrollRegions();
  window.addEventListener("resize", markScrollRegions);
  document.addEventListener("htmx:afterSettle", markScrollRegions);
})();
