// Draw the city points on a Leaflet map without any tile layer (nothing fetched from outside);
// each marker links to its city page. The table under the map lists the same cities.
(function () {
  "use strict";
  var el = document.querySelector("[data-points]");
  if (!el || typeof L === "undefined") { return; }
  var points = JSON.parse(document.getElementById(el.getAttribute("data-points")).textContent);
  var map = L.map(el, { attributionControl: false });
  var tiles = el.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lon], { radius: 6 }).addTo(map);
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;  // text, never HTML: names are user input
    marker.bindPopup(link);
    var label = document.createElement("span");
    label.textContent = p.name;
    marker.bindTooltip(label);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
  el.setAttribute("data-rendered", "true");
})();
