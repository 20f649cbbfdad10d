// The password checklist: the same rules the server applies (devservers/rules.py), shown as the user types.
(function () {
  "use strict";
  const SPECIALS = "!@%-_=+[{}]:,./?";
  const checks = {
    length: (p) => p.length >= 8 && p.length <= 26,
    classes: (p) => [/[A-Z]/, /[a-z]/, /[0-9]/].filter((re) => re.test(p)).length
      + ([...p].some((c) => SPECIALS.includes(c)) ? 1 : 0) >= 3,
    charset: (p) => p.length > 0 && [...p].every((c) => /[A-Za-z0-9]/.test(c) || SPECIALS.includes(c)),
    words: (p) => {
      const lower = p.toLowerCase();
      return p.length > 0 && !["root", "administrator"].some(
        (w) => lower.includes(w) || lower.includes([...w].reverse().join("")));
    },
  };
  function update(input) {
    document.querySelectorAll("#password-checklist [data-check]").forEach((item) => {
      const passed = checks[item.dataset.check](input.value);
      item.classList.toggle("passed", passed);
      item.classList.toggle("failed", input.value.length > 0 && !passed);
    });
  }
  // The checklist in words for screen readers; the list itself says met or not met before each rule.
  function summarise(input) {
    const summary = document.getElementById("password-checklist-summary");
    if (!summary) return;
    const unmet = [...document.querySelectorAll("#password-checklist [data-check]")]
      .filter((item) => !item.classList.contains("passed")).map((item) => item.textContent.trim());
    summary.textContent = input.value.length === 0 ? "" : unmet.length === 0
      ? gettext("The password meets every rule.") : interpolate(gettext("Not met yet: %s."), [unmet.join("; ")]);
  }
  document.addEventListener("input", (event) => {
    if (event.target.id === "id_admin_pass") {
      update(event.target);
      summarise(event.target);
    }
  });
})();
