/* What a Leaflet map of the site stands on (directory/map/background.py gives the settings as JSON data).
 *
 * asfnetBasemap.add(map, background) adds a tile layer when the server has a tile URL configured; otherwise
 * it loads the outlines the site serves itself (static/map/sweden.topojson: neighbouring countries, Sweden's
 * municipalities, large lakes, county borders), turns the TopoJSON back into GeoJSON and draws it as one
 * layer under the markers, so the page asks no other server for anything. The outlines are not interactive: Tab goes from marker to marker,
 * never through 300 municipalities. If the file cannot be loaded the markers stay on a plain background. */
(function () {
  "use strict";

  var SEA = "#b7d3e6";
  // Land, borders and lakes differ enough from each other and from the markers to be read at a glance; the
  // county borders are the darkest lines (3:1 or more against the land).
  var STYLES = {
    neighbour: { fillColor: "#e3e1da", fillOpacity: 1, color: "#9b978c", weight: 0.8 },
    kommun: { fillColor: "#f7f4ea", fillOpacity: 1, color: "#8c8676", weight: 0.7 },
    lake: { fillColor: SEA, fillOpacity: 1, color: "#6d95b3", weight: 0.5 },
    lan: { fill: false, color: "#5f5a4d", weight: 1.6 },
  };

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function style(feature) {
    var kind = feature && feature.properties && feature.properties.kind;
    return STYLES[kind] || STYLES.kommun;
  }

  // TopoJSON → GeoJSON (https://github.com/topojson/topojson-specification): every arc is decoded once
  // (quantized positions, each a delta from the one before), then a line or ring is its arcs joined end to
  // end, a negative index ~i being arc i walked backwards. Returns a FeatureCollection in the file's order.
  function toGeoJSON(topology) {
    var transform = topology.transform;
    var arcs = topology.arcs.map(function (arc) {
      var x = 0;
      var y = 0;
      return arc.map(function (position) {
        if (!transform) {
          return [position[0], position[1]];
        }
        x += position[0];
        y += position[1];
        return [x * transform.scale[0] + transform.translate[0], y * transform.scale[1] + transform.translate[1]];
      });
    });
    function line(indexes) {
      var positions = [];
      indexes.forEach(function (index) {
        var arc = index < 0 ? arcs[~index].slice().reverse() : arcs[index];
        // Consecutive arcs share their meeting point: keep it once.
        positions = positions.concat(positions.length ? arc.slice(1) : arc);
      });
      return positions;
    }
    function rings(polygon) {
      return polygon.map(line);
    }
    var decode = {
      LineString: line,
      MultiLineString: rings,
      Polygon: rings,
      MultiPolygon: function (polygons) {
        return polygons.map(rings);
      },
    };
    var features = [];
    Object.keys(topology.objects).forEach(function (name) {
      var object = topology.objects[name];
      (object.type === "GeometryCollection" ? object.geometries : [object]).forEach(function (geometry) {
        if (!decode[geometry.type]) {
          return;
        }
        features.push({
          type: "Feature",
          properties: geometry.properties || {},
          geometry: { type: geometry.type, coordinates: decode[geometry.type](geometry.arcs) },
        });
      });
    });
    return { type: "FeatureCollection", features: features };
  }

  function add(map, background) {
    var L = window.L;
    var container = map.getContainer();
    background = background || {};
    if (background.tiles && background.tiles.url) {
      // The attribution is shown as HTML by Leaflet: escape it, it is plain text in the settings.
      L.tileLayer(background.tiles.url, {
        attribution: escapeHtml(background.tiles.attribution || ""),
        maxZoom: 18,
      }).addTo(map);
      container.classList.add("has-tiles");
      return;
    }
    if (!background.basemap || !background.basemap.url || typeof window.fetch !== "function") {
      return;
    }
    fetch(background.basemap.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("basemap " + response.status);
        }
        return response.json();
      })
      .then(function (outlines) {
        var layer = L.geoJSON(outlines.type === "Topology" ? toGeoJSON(outlines) : outlines, {
          style: style,
          interactive: false,
          attribution: escapeHtml(background.basemap.attribution || ""),
        });
        // Vector paths of their own, drawn under the marker pane; the file's order is the drawing order.
        layer.addTo(map);
        container.classList.add("has-basemap");
      })
      .catch(function () {
        // No outlines: the markers still stand on the plain background, and the table lists them.
      });
  }

  // How close a map may zoom in to fit its markers: the outlines are drawn for a county, not a street.
  function fitZoom(background) {
    return background && background.tiles && background.tiles.url ? 12 : 9;
  }

  // The page's map data: the JSON of <script type="application/json" id="…"> (json_script: data, never
  // executed). Null when the block is missing or unreadable or Leaflet did not load: the map stays hidden and
  // the page's text and tables are the map.
  function readData(id) {
    var element = document.getElementById(id);
    if (!element || typeof window.L === "undefined") {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  window.asfnetBasemap = { add: add, fitZoom: fitZoom, readData: readData, toGeoJSON: toGeoJSON };
})();
