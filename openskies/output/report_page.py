"""The scripts and style of ``report.html`` (internal; see :mod:`.report`).

``CAPTURE_SCRIPT`` records the page's own errors in ``#openskies-errors``;
``MAP_SCRIPT`` draws the Leaflet map from the ``openskies-data`` JSON: layers,
a legend panel (observers to untick, an observed-party filter, the fills and
the layer switches) that folds to one button and starts folded on a small
window, and a fit of the map to the routes shown, beside the panel, redone
whenever a filter changes or the panel folds; ``PAGE_STYLE`` is the page's CSS.
"""

from __future__ import annotations

__all__ = ["CAPTURE_SCRIPT", "MAP_SCRIPT", "PAGE_STYLE"]

CAPTURE_SCRIPT = """
window.openskiesErrors = [];
(function () {
  function show() {
    var box = document.getElementById("openskies-errors");
    if (box && window.openskiesErrors.length) {
      box.textContent = "The map could not be drawn completely:\\n" +
        window.openskiesErrors.join("\\n");
      box.hidden = false;
    }
  }
  function record(text) { window.openskiesErrors.push(String(text)); show(); }
  window.addEventListener("error", function (event) {
    if (event.target && event.target !== window) {
      record("failed to load " + (event.target.src || event.target.href));
    } else {
      record(event.message + " (line " + event.lineno + ")");
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + event.reason);
  });
  var original = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  document.addEventListener("DOMContentLoaded", show);
})();
"""

MAP_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("openskies-data").textContent);
  function esc(value) {
    return String(value).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function popup(feature, layer) {
    var rows = Object.keys(feature.properties).filter(function (key) {
      return key.charAt(0) !== "_" && feature.properties[key] !== "";
    }).map(function (key) {
      return "<tr><th>" + esc(key) + "</th><td>" + esc(feature.properties[key]) +
        "</td></tr>";
    });
    layer.bindPopup("<table>" + rows.join("") + "</table>", {maxWidth: 480});
  }
  var map = L.map("map", {preferCanvas: false, worldCopyJump: false});
  var neighbours = L.geoJSON(data.neighbours, {
    style: function (f) {
      return {color: "#999", weight: 0.5, fillColor: f.properties._fill,
              fillOpacity: 0.8, interactive: false};
    }
  }).addTo(map);
  var territories = L.geoJSON(data.territories, {
    style: function (f) {
      return {color: "#777", weight: 0.7, fillColor: f.properties._fill,
              fillOpacity: 0.8};
    },
    onEachFeature: popup
  }).addTo(map);
  var routes = L.geoJSON(data.routes, {
    style: function (f) {
      return {color: f.properties._colour, weight: 2.5, opacity: 0.9,
              className: "openskies-route",
              dashArray: f.properties._verdict === "illegal" ? "6 4" : null};
    },
    onEachFeature: function (f, layer) {
      popup(f, layer);
      layer.bindTooltip(esc(f.properties.mission) + ": " + esc(f.properties.observer) +
        " over " + esc(f.properties.observed) + " (" + esc(f.properties.verdict) + ")",
        {sticky: true});
    }
  }).addTo(map);
  var airfields = L.geoJSON(data.airfields, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 4, color: "#0a3069", weight: 1,
                                     fillColor: "#54aeff", fillOpacity: 1});
    },
    onEachFeature: function (f, layer) {
      popup(f, layer);
      var p = f.properties;
      layer.bindTooltip(esc(p.name) + " (" + esc(p.icao || p.airfield) + ")" +
        (p.max_distance_km === "" ? "" : ", max " + esc(p.max_distance_km) + " km"));
    }
  }).addTo(map);
  var sites = L.geoJSON(data.sites, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 2.5, color: "#6e40c9", weight: 1,
                                     fillOpacity: 0.7});
    },
    onEachFeature: popup
  });
  var layers = L.control.layers(null, {
    "Territories (land + 12 nmi)": territories,
    "States not party": neighbours,
    "Routes": routes,
    "Airfields": airfields,
    "Sites": sites
  }, {collapsed: false});
  L.control.scale().addTo(map);
  var hidden = {};
  var observed = "";
  function shown(p) {
    return !hidden[p.observer] && (observed === "" || p.observed === observed);
  }
  function filter() {
    routes.eachLayer(function (layer) {
      var show = shown(layer.feature.properties);
      layer.setStyle({opacity: show ? 0.9 : 0});
      var path = layer.getElement && layer.getElement();
      if (path) { path.style.display = show ? "" : "none"; }
    });
  }
  // Fit the map to the routes shown (else the territories), leaving the strip
  // under the panel on the right and the zoom buttons on the left free.
  function fit() {
    var bounds = L.latLngBounds([]);
    routes.eachLayer(function (layer) {
      if (shown(layer.feature.properties)) { bounds.extend(layer.getBounds()); }
    });
    if (!bounds.isValid()) { bounds = territories.getBounds(); }
    var panel = document.getElementById("openskies-legend");
    var right = panel ? panel.offsetWidth + 20 : 10;
    // not animated: a fit asked for during a zoom animation would be dropped
    map.fitBounds(bounds, {paddingTopLeft: [50, 10], paddingBottomRight: [right, 30],
                           animate: false});
  }
  var legend = L.control({position: "topright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "openskies-legend");
    div.id = "openskies-legend";
    var html = '<button type="button" id="openskies-legend-toggle" ' +
      'aria-expanded="true" title="show or hide the legend and layers">' +
      'Legend and layers</button><div class="openskies-legend-body">' +
      "<b>Observer</b> (click to hide)<br>";
    Object.keys(data.observers).forEach(function (code) {
      html += '<label><input type="checkbox" checked data-observer="' + esc(code) +
        '"> <span class="swatch" style="background:' + data.observers[code] +
        '"></span> ' + esc(code) + "</label><br>";
    });
    var targets = {};
    data.routes.features.forEach(function (f) { targets[f.properties.observed] = 1; });
    html += '<b>Observed</b> <select id="openskies-observed">' +
      '<option value="">all</option>';
    Object.keys(targets).sort().forEach(function (code) {
      html += '<option value="' + esc(code) + '">' + esc(code) + "</option>";
    });
    html += "</select><br><span class='dash'></span> illegal route<br>" +
      "<b>Territory</b><br>";
    Object.keys(data.fills).forEach(function (fill) {
      html += '<span class="swatch" style="background:' + fill + '"></span> ' +
        esc(data.fills[fill]) + "<br>";
    });
    html += '<span class="dot"></span> airfield (hover: name, ICAO, max km)' +
      '<div class="openskies-layers"></div></div>';
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    div.addEventListener("change", function (event) {
      var t = event.target;
      var own = t.dataset && t.dataset.observer;
      if (own) { hidden[t.dataset.observer] = !t.checked; }
      if (t.id === "openskies-observed") { observed = t.value; }
      if (own || t.id === "openskies-observed") { filter(); fit(); }
    });
    return div;
  };
  legend.addTo(map);
  // the layer switches live in the legend's panel, collapsed with it
  layers.addTo(map);
  var panel = document.getElementById("openskies-legend");
  panel.querySelector(".openskies-layers").appendChild(layers.getContainer());
  var toggle = document.getElementById("openskies-legend-toggle");
  function collapse(folded) {
    panel.classList.toggle("collapsed", folded);
    toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    fit();
  }
  toggle.addEventListener("click", function () {
    collapse(!panel.classList.contains("collapsed"));
  });
  // a small window starts with the panel folded, so it covers no route
  var box = document.getElementById("map");
  collapse(box.clientWidth < 900 || box.clientHeight < 500);
  box.dataset.features = String(data.territories.features.length +
    data.routes.features.length + data.airfields.features.length);
  box.dataset.ready = "yes";
})();
"""

PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table.data { border-collapse: collapse; font-size: 0.85em; }
table.data th, table.data td { border: 1px solid #d0d7de; padding: 2px 6px;
  text-align: left; vertical-align: top; }
table.data th { background: #f6f8fa; }
#map { height: min(620px, 85vh); min-height: 320px; background: #d8e8f4;
  border: 1px solid #d0d7de; }
#openskies-errors { color: #cf222e; white-space: pre-wrap; }
.legal { color: #1a7f37; } .illegal { color: #cf222e; } .findings { color: #bf8700; }
.leaflet-control-layers-toggle { background-image: none !important; }
.leaflet-popup-content table th { text-align: left; padding-right: 6px; }
.openskies-legend { background: #fffe; padding: 6px 8px; font-size: 12px;
  line-height: 1.5; border-radius: 4px; box-shadow: 0 1px 4px #0004; }
.openskies-legend { max-height: calc(100% - 20px); overflow-y: auto; }
.openskies-legend.collapsed { padding: 0; }
.openskies-legend.collapsed .openskies-legend-body { display: none; }
#openskies-legend-toggle { font: inherit; font-weight: bold; cursor: pointer;
  border: 0; background: none; padding: 2px 4px; }
#openskies-legend-toggle::before { content: "\\25BE  "; }
.openskies-legend.collapsed #openskies-legend-toggle::before { content: "\\25B8  "; }
.openskies-layers .leaflet-control-layers { margin: 4px 0 0; box-shadow: none;
  float: none;
  border: 0; border-top: 1px solid #d0d7de; border-radius: 0; padding: 4px 0 0; }
.openskies-legend .swatch { display: inline-block; width: 14px; height: 10px;
  border: 1px solid #777; vertical-align: middle; }
.openskies-legend .dash { display: inline-block; width: 22px;
  border-top: 2px dashed #333; vertical-align: middle; }
.openskies-legend .dot { display: inline-block; width: 8px; height: 8px;
  border-radius: 50%; background: #54aeff; border: 1px solid #0a3069; }
table.data td.num, table.data th.num { text-align: right; white-space: nowrap; }
table.data th.sortable { cursor: pointer; }
table.data th.sortable::after { content: " \\2195"; color: #8c959f; }
table.data th[data-sorted="asc"]::after { content: " \\25B2"; }
table.data th[data-sorted="desc"]::after { content: " \\25BC"; }
table.data tr.total td { font-weight: bold; background: #f6f8fa; }
details.technical { margin-top: 2em; color: #57606a; }
"""
