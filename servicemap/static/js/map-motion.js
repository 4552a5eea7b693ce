/* No map animation for a reader who has asked for reduced motion (directory/map_motion.py).
 * Loaded after Leaflet and before the page's maps are made: Leaflet reads zoomAnimation once, when
 * a map is made. Zooming then jumps to the new level (the buttons, the keyboard, a double click, a
 * fit); panning by any means (the arrow keys, a popup brought into view, panTo) jumps to the new
 * place; a drag stops where it is let go, with no glide. */
(function () {
  "use strict";
  if (!window.L || !window.matchMedia || !window.matchMedia("(prefers-reduced-motion: reduce)").matches) { return; }
  L.Map.mergeOptions({ zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false, inertia: false });
  var panBy = L.Map.prototype.panBy;
  L.Map.include({
    panBy: function (offset, options) {
      return panBy.call(this, offset, L.extend({}, options, { animate: false }));
    }
  });
})();
