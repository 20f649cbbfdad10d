// Live swaps that respect the user: focus and typed text survive a swap, status changes are announced
// (a polite live region and a toast), and the tab's title counts the servers still changing.
// Changes are pushed over a server-sent event stream (htmx's SSE extension, devservers/push) when the
// page has one: only the rows a change touched are swapped, by their ids. While the stream is down the
// page polls as before (its poll elements carry data-live-poll) and says so quietly (#live-status).
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

  // What a swap inside `root` must not lose: focus, typed text, and the statuses shown (to announce changes).
  function capture(root) {
    const typed = [...root.querySelectorAll("input[id]:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea[id]")]
      .map((input) => ({ id: input.id, value: input.value, start: input.selectionStart, end: input.selectionEnd }));
    const active = document.activeElement;
    return {
      focus: active && root.contains(active) ? addressOf(active) : null,
      typed,
      statuses: statusesIn(root),
    };
  }

  function restore(state) {
    state.typed.forEach((entry) => {
      const input = document.getElementById(entry.id);
      if (input && input.value !== entry.value && entry.value !== "") {
        input.value = entry.value;
        if (entry.start !== null && input.setSelectionRange) input.setSelectionRange(entry.start, entry.end);
      }
    });
    const refocus = find(state.focus);
    if (refocus && document.activeElement !== refocus) refocus.focus({ preventScroll: true });
    const changes = [];
    statusesIn(document).forEach((now, id) => {
      const before = state.statuses.get(id);
      if (before && before.status !== now.status) {
        changes.push(interpolate(gettext("%(name)s is now %(status)s."), { name: now.name, status: now.status }, true));
      }
    });
    if (changes.length) announce(changes.join(" "));
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (target) saved = capture(target);
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (saved) {
      restore(saved);
      saved = null;
    }
    updateTitle();
  });

  // Pushed changes -------------------------------------------------------------------------------------

  const FALLBACK_GRACE_MS = 3000; // a stream that ends and reopens at once (its time is up) is no outage
  let streaming = false;
  let fallbackTimer = null;

  function polls() {
    return document.querySelectorAll("[data-live-poll]");
  }

  function sayFallingBack(fallingBack) {
    const stream = document.getElementById("live-stream");
    if (stream) stream.dataset.state = fallingBack ? "polling" : "live";
    const status = document.getElementById("live-status");
    if (!status) return;
    status.textContent = fallingBack ? status.dataset.fallbackText : "";
    status.hidden = !fallingBack;
  }

  function fallBackSoon() {
    streaming = false;
    if (fallbackTimer === null) fallbackTimer = window.setTimeout(() => sayFallingBack(true), FALLBACK_GRACE_MS);
  }

  // A poll's timer asks only while the stream is down; the catch-up after the stream opens always asks.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt.hasAttribute("data-live-poll")) return;
    const trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "live-catch-up") event.detail.headers["X-Live-Catch-Up"] = "1";
    else if (streaming) event.preventDefault();
  });

  document.addEventListener("htmx:sseOpen", (event) => {
    // "ready" comes once the server's subscription is live: from then on nothing is missed.
    event.detail.source.addEventListener("ready", () => {
      streaming = true;
      window.clearTimeout(fallbackTimer);
      fallbackTimer = null;
      sayFallingBack(false);
      // What changed before (the page's render, a drop) comes through one poll: 204 when nothing did.
      polls().forEach((element) => htmx.trigger(element, "live-catch-up"));
    });
  });

  document.addEventListener("htmx:sseError", fallBackSoon);
  document.addEventListener("htmx:sseClose", fallBackSoon);

  // Keep of a pushed fragment only what this page shows: rows it does not show are left out, and a new
  // row only goes in where the page has its table and does not have the row yet. Table rows come in a
  // <template> (htmx swaps what a template holds out of band, then drops the template).
  function shownHere(content) {
    [...content.children].forEach((element) => {
      if (element.tagName === "TEMPLATE") {
        shownHere(element.content);
        if (!element.content.children.length) element.remove();
        return;
      }
      const oob = element.getAttribute("hx-swap-oob") || "";
      const colon = oob.indexOf(":");
      if (colon > 0) {
        const fresh = [...element.children].filter((row) => !row.id || !document.getElementById(row.id));
        if (!document.querySelector(oob.slice(colon + 1)) || !fresh.length) element.remove();
        else element.replaceChildren(...fresh);
      } else if (!element.id || !document.getElementById(element.id)) {
        element.remove();
      }
    });
  }

  function applyPush(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[data-live-token]").forEach((marker) => {
      // The fallback poll's token moves with the pushes, so a poll after a drop asks only for what is new.
      const values = JSON.stringify({ v: marker.dataset.liveToken });
      polls().forEach((element) => element.setAttribute("hx-vals", values));
      marker.remove();
    });
    shownHere(template.content);
    if (!template.content.children.length) return;
    const state = capture(document.body);
    htmx.swap(document.body, template.innerHTML, { swapStyle: "none" });
    document.querySelectorAll("tbody tr.empty").forEach((row) => {
      if (row.parentElement.querySelector("tr[id]")) row.remove();
    });
    restore(state);
    updateTitle();
  }

  // htmx's SSE extension hands each "change" event here; its own swap would complain about every row
  // this page does not show.
  document.addEventListener("htmx:sseBeforeMessage", (event) => {
    event.preventDefault();
    applyPush(event.detail.data);
  });

  function start() {
    updateTitle();
    if (document.getElementById("live-stream")) fallBackSoon();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
