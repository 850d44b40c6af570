/* The directory map (templates/directory/map/index.html).
 *
 * The markers come from the tables on the page, the one copy of the points: every row with data-lat and
 * data-lng gives a marker named by the row's link, which its popup repeats. The <script type="application/json"
 * id="map-data"> block that Django's json_script wrote (data only; the CSP allows no inline script) says what
 * the markers stand on — a tile server's tiles when one is configured, the site's own outlines of Sweden
 * otherwise (static/js/basemap.js) — and where Leaflet's marker images are. Each marker is keyboard-focusable.
 * Rows of a layer another app adds (a section with data-layer-label, e.g. placement opportunities) get square
 * markers, so they differ from the organisations' pins by shape and not by colour alone. Without JavaScript,
 * or when Leaflet fails to load, the map area stays hidden and the tables on the page are the map. */
(function () {
  "use strict";

  function popupContent(point) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.name;
    box.appendChild(link);
    if (point.detail) {
      var detail = document.createElement("p");
      detail.textContent = point.detail;
      box.appendChild(detail);
    }
    return box;
  }

  // A table row as a point: its link (name and address of the page) and its coordinates.
  function rowPoint(row) {
    var link = row.querySelector("a[href]");
    var lat = parseFloat(row.getAttribute("data-lat"));
    var lng = parseFloat(row.getAttribute("data-lng"));
    if (!link || !isFinite(lat) || !isFinite(lng)) {
      return null;
    }
    var detail = row.cells.length > 1 ? row.cells[1].textContent.trim() : "";
    return { name: link.textContent.trim(), url: link.getAttribute("href"), detail: detail, lat: lat, lng: lng };
  }

  function rowPoints(rows) {
    return Array.prototype.map.call(rows, rowPoint).filter(Boolean);
  }

  function start() {
    var data = window.asfnetBasemap.readData("map-data");
    var area = document.getElementById("map-area");
    var container = document.getElementById("directory-map");
    if (!data || !area || !container) {
      return;
    }
    // The organisations' own table: its points carry no detail line (the popup names the organisation).
    var organisations = rowPoints(document.querySelectorAll("table.map-table tbody tr[data-lat]")).map(function (p) {
      return { name: p.name, url: p.url, lat: p.lat, lng: p.lng };
    });
    var layers = Array.prototype.map.call(document.querySelectorAll("section[data-layer-label]"), function (section) {
      return {
        label: section.getAttribute("data-layer-label"),
        points: rowPoints(section.querySelectorAll("tbody tr[data-lat]")),
      };
    });
    var layerPoints = layers.reduce(function (count, layer) {
      return count + layer.points.length;
    }, 0);
    if (!organisations.length && !layerPoints) {
      return;
    }
    area.hidden = false;

    var L = window.L;
    var map = L.map(container, { scrollWheelZoom: false });
    if (window.asfnetBasemap) {
      window.asfnetBasemap.add(map, data);
    }
    // Leaflet's default marker, with the image addresses from the server (content-hashed in production).
    var icon = L.icon(Object.assign({}, L.Icon.Default.prototype.options, data.icons || {}));
    var markers = organisations.map(function (org) {
      // `title` and `alt` name the marker for screen readers; `keyboard` (the default) makes it focusable,
      // and Enter opens the popup with a link to the profile.
      return L.marker([org.lat, org.lng], { icon: icon, title: org.name, alt: org.name, keyboard: true }).bindPopup(
        popupContent(org)
      );
    });
    var square = L.divIcon({ className: "map-square", iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -9] });
    layers.forEach(function (layer) {
      layer.points.forEach(function (point) {
        var name = point.name + " (" + layer.label + ")";
        markers.push(
          L.marker([point.lat, point.lng], { icon: square, title: name, alt: name, keyboard: true }).bindPopup(
            popupContent(point)
          )
        );
      });
    });
    var group = L.featureGroup(markers).addTo(map);
    var closest = window.asfnetBasemap ? window.asfnetBasemap.fitZoom(data) : 12;
    if (markers.length === 1) {
      map.setView(markers[0].getLatLng(), Math.min(11, closest));
    } else {
      map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: closest });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
