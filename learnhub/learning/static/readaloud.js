// Read-aloud: speak the target text with the browser's Chinese voice when there is one;
// otherwise play the audio the server made with espeak-ng.
(function () {
  "use strict";

  function chineseVoice(lang) {
    if (!("speechSynthesis" in window)) { return null; }
    var wanted = lang.toLowerCase().slice(0, 2);
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i += 1) {
      if (voices[i].lang.toLowerCase().indexOf(wanted) === 0) { return voices[i]; }
    }
    return null;
  }

  function setUp(box) {
    var button = box.querySelector(".read-aloud-button");
    var status = box.querySelector(".read-aloud-status");
    var target = document.getElementById(box.dataset.target);
    var audio = null;
    var reading = false;

    function show(isReading, message) {
      reading = isReading;
      button.setAttribute("aria-pressed", isReading ? "true" : "false");
      button.textContent = isReading ? box.dataset.labelStop : box.dataset.labelStart;
      status.textContent = message || "";
    }

    function stop() {
      if ("speechSynthesis" in window) { window.speechSynthesis.cancel(); }
      if (audio) { audio.pause(); audio.currentTime = 0; }
      show(false, box.dataset.statusStopped);
    }

    function start() {
      var voice = chineseVoice(box.dataset.lang);
      if (voice && target) {
        var utterance = new SpeechSynthesisUtterance(target.innerText);
        utterance.voice = voice;
        utterance.lang = voice.lang;
        utterance.rate = 0.9;
        utterance.onend = function () { show(false, ""); };
        window.speechSynthesis.speak(utterance);
        box.dataset.engine = "browser";
        show(true, box.dataset.statusReading);
      } else if (box.dataset.audioUrl) {
        audio = audio || new Audio(box.dataset.audioUrl);
        audio.onended = function () { show(false, ""); };
        audio.play();
        box.dataset.engine = "server";
        show(true, box.dataset.statusReading);
      } else {
        show(false, box.dataset.statusNone);
      }
    }

    button.hidden = false;
    button.addEventListener("click", function () { if (reading) { stop(); } else { start(); } });
    if ("speechSynthesis" in window) { window.speechSynthesis.getVoices(); }
  }

  document.querySelectorAll("[data-read-aloud]").forEach(setUp);
})();
