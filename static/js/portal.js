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

  // <select data-autosubmit> submits its form when changed (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });
})();
