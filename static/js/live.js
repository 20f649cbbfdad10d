// Live swaps that respect the user: focus and typed text survive a swap, status changes are announced
// (a polite live region and a toast), and the tab's title counts the servers still changing.
(function () {
  "use strict";
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  let saved = null;

  // An element's address that survives a swap: its id, else its nearest ancestor's id plus what it does.
  function addressOf(element) {
    if (!element || element === document.body) return null;
    if (element.id) return { id: element.id, selector: null };
    const anchor = element.parentElement && element.parentElement.closest("[id]");
    if (!anchor) return null;
    const parts = [element.tagName.toLowerCase()];
    for (const name of ["data-action", "name", "value", "href"]) {
      const value = element.getAttribute(name);
      if (value !== null) parts.push(`[${name}="${CSS.escape(value)}"]`);
    }
    return { id: anchor.id, selector: parts.join("") };
  }

  function find(address) {
    const anchor = address && document.getElementById(address.id);
    return anchor && address.selector ? anchor.querySelector(address.selector) : anchor;
  }

  function statusesIn(root) {
    const statuses = new Map();
    root.querySelectorAll("[data-testid=status]").forEach((badge) => {
      const holder = badge.closest("tr[id], #devserver-panel");
      const name = holder && holder.querySelector("td.name a, h1");
      if (holder && name) statuses.set(holder.id, { name: name.textContent.trim(), status: badge.textContent.trim() });
    });
    return statuses;
  }

  function announce(text) {
    const region = document.getElementById("live-announcer");
    if (region) region.textContent = text;
    const toasts = document.getElementById("toasts");
    if (!toasts) return;
    const toast = document.createElement("p");
    toast.className = "toast";
    toast.textContent = text;
    toasts.appendChild(toast);
    window.setTimeout(() => toast.remove(), 6000);
  }

  function updateTitle() {
    const changing = document.querySelectorAll("[data-testid=status].changing").length;
    document.title = changing ? `(${changing}) ${baseTitle}` : baseTitle;
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!target) return;
    const typed = [...target.querySelectorAll("input[id]:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea[id]")]
      .map((input) => ({ id: input.id, value: input.value, start: input.selectionStart, end: input.selectionEnd }));
    const active = document.activeElement;
    saved = {
      focus: active && target.contains(active) ? addressOf(active) : null,
      typed,
      statuses: statusesIn(target),
    };
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (saved) {
      saved.typed.forEach((entry) => {
        const input = document.getElementById(entry.id);
        if (input && input.value !== entry.value && entry.value !== "") {
          input.value = entry.value;
          if (entry.start !== null && input.setSelectionRange) input.setSelectionRange(entry.start, entry.end);
        }
      });
      const refocus = find(saved.focus);
      if (refocus && document.activeElement !== refocus) refocus.focus({ preventScroll: true });
      const changes = [];
      statusesIn(document).forEach((now, id) => {
        const before = saved.statuses.get(id);
        if (before && before.status !== now.status) changes.push(`${now.name} is now ${now.status}`);
      });
      if (changes.length) announce(changes.join(". ") + ".");
      saved = null;
    }
    updateTitle();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", updateTitle);
  else updateTitle();
})();
