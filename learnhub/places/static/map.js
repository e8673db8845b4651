// "Use my position" on the learning map: the browser's position is compared with the places
// listed on this page, here, in the page. Nothing is sent anywhere: no request carries it.
(function () {
  "use strict";

  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var a = Math.pow(Math.sin((lat2 - lat1) * rad / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin((lon2 - lon1) * rad / 2), 2);
    return 2 * 6371 * Math.asin(Math.sqrt(a));
  }

  function nearest(latitude, longitude, count) {
    var items = document.querySelectorAll(".map-places li[data-latitude]");
    var found = [];
    items.forEach(function (item) {
      var lat = parseFloat(item.dataset.latitude), lon = parseFloat(item.dataset.longitude);
      if (isNaN(lat) || isNaN(lon)) { return; }
      found.push({ item: item, km: distanceKm(latitude, longitude, lat, lon) });
    });
    found.sort(function (a, b) { return a.km - b.km; });
    return found.slice(0, count);
  }

  function show(box, results, found) {
    results.textContent = "";
    var heading = document.createElement("p");
    heading.textContent = box.dataset.labelFound;
    var list = document.createElement("ol");
    list.className = "near-list";
    found.forEach(function (entry) {
      var link = entry.item.querySelector("a");
      var li = document.createElement("li");
      var copy = document.createElement("a");
      copy.href = link.getAttribute("href");
      copy.textContent = link.textContent;
      li.appendChild(copy);
      li.appendChild(document.createTextNode(" · " +
        box.dataset.labelKm.replace("{km}", entry.km.toFixed(1))));
      list.appendChild(li);
    });
    results.appendChild(heading);
    results.appendChild(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("near-me-located");
    if (!box || !("geolocation" in navigator)) { return; }
    var button = document.getElementById("near-me-button");
    var results = document.getElementById("near-me-results");
    box.hidden = false;
    button.addEventListener("click", function () {
      results.textContent = box.dataset.labelWaiting;
      navigator.geolocation.getCurrentPosition(function (position) {
        show(box, results, nearest(position.coords.latitude, position.coords.longitude, 5));
      }, function () {
        results.textContent = box.dataset.labelRefused;
      }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 600000 });
    });
  });
})();
