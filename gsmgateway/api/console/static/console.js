// Progressive refresh: a page whose <main> has data-refresh="N" fetches itself every N seconds and
// swaps in the new <main>, so the overview and a moving message stay current without a reload.
// Without this script the same pages refresh through a <noscript> meta refresh; nothing needs it.
"use strict";
(function () {
  var main = document.getElementById("main");
  if (!main || !main.dataset.refresh) { return; }
  var seconds = Math.max(2, parseInt(main.dataset.refresh, 10) || 10);
  function busy() {
    var active = document.activeElement;
    return document.hidden || (active && main.contains(active) && active.matches("input, select, textarea"));
  }
  function refresh() {
    if (busy()) { return schedule(); }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (!next) { return; }
        main.innerHTML = next.innerHTML;
        if (next.dataset.refresh) { schedule(); } else { delete main.dataset.refresh; }
      })
      .catch(schedule);
  }
  function schedule() { window.setTimeout(refresh, seconds * 1000); }
  schedule();
})();
