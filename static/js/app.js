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

// <button data-copy="ID">: copies the text of the element with that id, and says so to screen readers.
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    const source = button && document.getElementById(button.dataset.copy);
    if (!source) return;
    const text = source.textContent.trim();
    const status = button.closest("section")?.querySelector(".copy-status");
    const done = () => {
      button.dataset.copied = "yes";
      if (status) status.textContent = interpolate(gettext("Copied: %s"), [text]);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => { if (status) status.textContent = gettext("Copy failed; select the text."); });
    } else {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      done();
    }
  });
})();

// [data-focus-on-load] (the form's error summary after a failed submit): scrolled to and focused, so
// keyboard and screen-reader users start from the list of what to fix. A summary link moves focus to its field.
(function () {
  "use strict";
  const focusSummary = () => {
    const summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.scrollIntoView({ block: "start" });
      summary.focus();
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusSummary);
  else focusSummary();
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest(".error-summary a[href^='#']") : null;
    const target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    const input = target.matches("input, select, textarea") ? target : target.querySelector("input:not([disabled]), select, textarea");
    target.scrollIntoView({ block: "center" });
    (input || target).focus();
  });
})();

// <time datetime data-local-time="time|datetime">: shown in the reader's own time zone, with the zone named.
(function () {
  "use strict";
  const formats = {
    time: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" },
    datetime: { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23", timeZoneName: "short" },
  };
  function localise(root) {
    root.querySelectorAll("time[datetime][data-local-time]").forEach((element) => {
      const when = new Date(element.getAttribute("datetime"));
      const format = formats[element.dataset.localTime];
      if (Number.isNaN(when.getTime()) || !format) return;
      element.textContent = new Intl.DateTimeFormat(document.documentElement.lang || undefined, format).format(when);
      element.title = element.getAttribute("datetime");
    });
  }
  const start = () => localise(document);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", () => localise(document));
})();

// Stop and Reboot ask first: a button with data-confirm, or the list's batch buttons, which name the
// selected servers (without JavaScript, the server's confirmation page asks). The batch buttons stay
// disabled until a row is selected.
(function () {
  "use strict";
  const BATCH_BUTTONS = "#batch-form .batch-bar button[name=action]";
  const selectedNames = () => [...document.querySelectorAll("input[form=batch-form][name=selected]:checked")]
    .map((box) => box.dataset.name || "");
  function syncBatchButtons() {
    const none = selectedNames().length === 0;
    document.querySelectorAll(BATCH_BUTTONS).forEach((button) => {
      button.disabled = none;
      button.title = none ? gettext("Select servers in the list first") : "";
    });
  }
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button) return;
    let question = button.dataset.confirm;
    if (!question && button.matches(BATCH_BUTTONS) && ["stop", "reboot"].includes(button.value)) {
      question = interpolate(gettext("%(action)s %(names)s? Unsaved work on them will be lost."),
        { action: button.textContent.trim(), names: selectedNames().join(", ") }, true);
    }
    const form = event.target;
    form.querySelectorAll("input[data-confirmed]").forEach((input) => input.remove());
    if (!question) return;
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Asked here, so the server need not send the confirmation page it shows without JavaScript.
    const confirmed = Object.assign(document.createElement("input"),
      { type: "hidden", name: "confirmed", value: "yes" });
    confirmed.dataset.confirmed = "";
    form.appendChild(confirmed);
  });
  document.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.name === "selected") syncBatchButtons();
  });
  document.addEventListener("htmx:afterSettle", syncBatchButtons);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", syncBatchButtons);
  else syncBatchButtons();
})();
