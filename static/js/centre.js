// Visitor centre pages: a print button, and the live view of who is here, which updates
// itself while someone is using it. No inline handlers: the CSP allows only our own files.

function initPrintButtons() {
  for (const button of document.querySelectorAll('[data-module="app-print"]')) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}

function initLiveView(root) {
  const toggleArea = root.querySelector(".app-live-view__auto");
  const toggle = root.querySelector("#auto-refresh");
  const seconds = Number(root.dataset.refreshSeconds) || 30;
  // Stop after the staff idle time with nobody touching the page, so an unattended tablet
  // is still signed out as any other staff page would be.
  const idleLimit = (Number(root.dataset.idleMinutes) || 30) * 60 * 1000;
  let lastActivity = Date.now();
  let timer = null;

  for (const name of ["pointerdown", "keydown", "scroll"]) {
    window.addEventListener(name, () => { lastActivity = Date.now(); }, { passive: true });
  }

  async function refresh() {
    timer = null;
    if (!toggle.checked) return;
    if (Date.now() - lastActivity > idleLimit) {
      toggle.checked = false;
      return;
    }
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (response.redirected || !response.ok) {
        window.location.reload();
        return;
      }
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ["here-status", "here-list"]) {
        const replacement = fresh.getElementById(id);
        if (replacement) document.getElementById(id).replaceChildren(...replacement.childNodes);
      }
    } catch {
      // A dropped connection: try again next time.
    }
    schedule();
  }

  function schedule() {
    if (timer === null && toggle.checked) timer = window.setTimeout(refresh, seconds * 1000);
  }

  toggleArea.hidden = false;
  toggle.addEventListener("change", () => {
    if (toggle.checked) {
      lastActivity = Date.now();
      schedule();
    } else if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
  });
  schedule();
}

initPrintButtons();
for (const root of document.querySelectorAll('[data-module="app-live-view"]')) {
  initLiveView(root);
}
