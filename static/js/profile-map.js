/* The small map on an organisation's profile (templates/directory/detail.html).
 *
 * Reads the organisation's place from the <script type="application/json" id="profile-map-data"> block
 * (json_script: data, never executed), shows the map area and puts one marker on it, on the background
 * static/js/basemap.js draws. The marker opens nothing — the visitor is already on the profile — so it is
 * not a stop for the Tab key; the sentence above the map says the same in words. Without JavaScript, or when
 * Leaflet fails to load, the map area stays hidden and the sentence is the map. */
(function () {
  "use strict";

  function start() {
    var data = window.asfnetBasemap.readData("profile-map-data");
    var container = document.getElementById("profile-map");
    if (!data || !container) {
      return;
    }
    var point = data.point;
    if (!point || typeof point.lat !== "number" || typeof point.lng !== "number") {
      return;
    }
    container.hidden = false;

    var L = window.L;
    // Close enough to see the street on a tile server's map; the municipality and its neighbours on the
    // site's own outlines.
    var zoom = data.tiles && data.tiles.url ? 13 : 7;
    var map = L.map(container, { scrollWheelZoom: false }).setView([point.lat, point.lng], zoom);
    if (window.asfnetBasemap) {
      window.asfnetBasemap.add(map, data);
    }
    var icon = L.icon(Object.assign({}, L.Icon.Default.prototype.options, data.icons || {}));
    L.marker([point.lat, point.lng], { icon: icon, alt: point.name, keyboard: false, interactive: false }).addTo(
      map
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
