// Behaviour every page may use, in a file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing submits its form (the create page's team and account switchers).
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.submit();
    }
  });
})();
