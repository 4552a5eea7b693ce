/* Draws a map's areas from the shapes file (directory/boundaries.py, directory/map_shapes.py).
 * The page's own script gives each layer its features (code, names, figures, colours) with no
 * geometry; the file gives each area's geometry under its code. It is fetched once a page,
 * however many layers draw from it, and after the first map from the browser's cache. */
(function () {
  "use strict";
  var fetched = {};

  function shapes(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("Map areas: " + response.status + " for " + url); }
        return response.json();
      }).then(function (collection) {
        var byCode = {};
        collection.features.forEach(function (feature) { byCode[feature.id] = feature.geometry; });
        return byCode;
      });
    }
    return fetched[url];
  }

  // The layers drawn from the file, in the order the page's script added them.
  var layers = [];

  // key: the property that holds each feature's code (lad_code; region_code for regions' outlines).
  window.smDrawShapes = function (layer, data, url, key) {
    layers.push(layer);
    shapes(url).then(function (byCode) {
      var drawn = [];
      data.features.forEach(function (feature) {
        var geometry = byCode[feature.properties[key || "lad_code"]];
        if (geometry) { drawn.push(Object.assign({}, feature, { geometry: geometry })); }
      });
      layer.addData(drawn);
      // Drawn once the file has come, the areas went on top of what the page drew at once: a
      // service's orange sites were greyed under its areas' fills. They go beneath it again, each
      // layer still above those added before it.
      for (var i = layers.length - 1; i >= 0; i--) { layers[i].bringToBack(); }
    });
  };
})();
