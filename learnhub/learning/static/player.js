// Reports the player's position to the server while media plays. The server credits
// real playing time only, so seeking ahead does not finish a lesson.
(function () {
  "use strict";
  var REPORT_EVERY_MS = 15000;

  function report(media, event) {
    var body = JSON.stringify({ position: media.currentTime, event: event });
    return fetch(media.dataset.progressUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": media.dataset.csrf },
      body: body,
      keepalive: true,
    }).catch(function () { /* a lost report is made up by the next one */ });
  }

  document.querySelectorAll("[data-progress-url]").forEach(function (media) {
    var timer = null;
    var started = false;
    media.addEventListener("play", function () {
      report(media, started ? "progress" : "start");
      started = true;
      timer = window.setInterval(function () { report(media, "progress"); }, REPORT_EVERY_MS);
    });
    ["pause", "ended"].forEach(function (name) {
      media.addEventListener(name, function () {
        window.clearInterval(timer);
        report(media, "progress");
      });
    });
  });
})();
