// Live parts of the dashboard's pages. An element with data-fragment="URL" is replaced by the HTML that URL returns:
// with data-events="URL" whenever that event stream reports something (server-sent events from the round engine),
// with data-poll="SECONDS" every so many seconds. The server renders and encodes everything; this only swaps it in.
"use strict";

function refresher(element) {
  let pending = false;
  return () => {
    if (pending) {
      return;
    }
    pending = true;
    // Events come in bursts (an update per node, then the commit): one fetch per burst.
    setTimeout(async () => {
      pending = false;
      try {
        const response = await fetch(element.dataset.fragment, { credentials: "same-origin", cache: "no-store" });
        if (response.redirected || !response.ok) {
          return; // signed out or gone: the next full page load says why
        }
        element.innerHTML = await response.text();
        element.dataset.refreshes = String(Number(element.dataset.refreshes || "0") + 1);
      } catch (e) {
        // The coordinator is restarting; the next event or poll tries again.
      }
    }, 250);
  };
}

for (const element of document.querySelectorAll("[data-fragment]")) {
  const refresh = refresher(element);
  if (element.dataset.events) {
    const source = new EventSource(element.dataset.events);
    source.addEventListener("round", refresh);
  }
  if (element.dataset.poll) {
    setInterval(refresh, Number(element.dataset.poll) * 1000);
  }
}
