// Reports the player's position to the server while media plays. The server credits
// real playing time only, so seeking ahead does not finish a lesson: "start" begins a
// stretch of playing, "progress" continues it, "pause" ends it (also before a seek, with
// the last position really played).
(function () {
  "use strict";
  var REPORT_EVERY_MS = 15000;

  function reporter(media) {
    var queue = Promise.resolve();  // one report after the other, in the order they happened
    return function (event, position) {
      var body = JSON.stringify({
        position: position === undefined ? media.currentTime : position,
        event: event,
      });
      queue = queue.then(function () {
        return fetch(media.dataset.progressUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": media.dataset.csrf },
          body: body,
          keepalive: true,
        }).catch(function () { /* a lost report is made up by the next one */ });
      });
    };
  }

  document.querySelectorAll("[data-progress-url]").forEach(function (media) {
    var report = reporter(media);
    var timer = null;
    var started = false;
    var lastPlayed = 0;
    media.addEventListener("timeupdate", function () {
      if (!media.seeking) { lastPlayed = media.currentTime; }
    });
    media.addEventListener("play", function () {
      report(started ? "progress" : "start");
      started = true;
      window.clearInterval(timer);
      timer = window.setInterval(function () { report("progress"); }, REPORT_EVERY_MS);
    });
    ["pause", "ended"].forEach(function (name) {
      media.addEventListener(name, function () {
        window.clearInterval(timer);
        report("pause");
      });
    });
    media.addEventListener("seeking", function () {
      if (!media.paused) { report("pause", lastPlayed); }  // what was played before the jump
    });
    media.addEventListener("seeked", function () {
      lastPlayed = media.currentTime;
      if (!media.paused) { report("progress"); }  // playing goes on from here
    });
  });

  // Big Play/Pause and "back 10 seconds" buttons: the players' own controls are too small
  // for elder mode's 60 px targets, and these work the same in every browser.
  document.querySelectorAll(".player").forEach(function (player) {
    var media = player.querySelector("video, audio");
    var buttons = player.querySelector(".player-buttons");
    if (!media || !buttons) { return; }
    var toggle = buttons.querySelector("[data-player-action=toggle]");
    var back = buttons.querySelector("[data-player-action=back]");
    function show() {
      var playing = !media.paused && !media.ended;
      toggle.textContent = playing ? toggle.dataset.labelPause : toggle.dataset.labelPlay;
      toggle.setAttribute("aria-pressed", playing ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      if (media.paused || media.ended) { media.play(); } else { media.pause(); }
    });
    back.addEventListener("click", function () {
      media.currentTime = Math.max(0, media.currentTime - 10);
    });
    ["play", "pause", "ended"].forEach(function (name) { media.addEventListener(name, show); });
    buttons.hidden = false;
  });
})();
