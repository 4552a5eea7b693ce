/* The gaps map's tooltips stay inside the map. Leaflet puts a tooltip beside the pointer, centred
 * on it, and the map's frame hides whatever passes its edge: on a phone (a 420 px map, a tooltip
 * up to 80% of the screen wide) tapping an area showed the figures' labels with the figures cut
 * off, or lost the area's name above the top. Moved back in, its top and left edges first: an
 * area's name comes first whatever else cannot fit. */
(function () {
  "use strict";
  if (!window.L || !L.Tooltip) { return; }
  var place = L.Tooltip.prototype._setPosition;
  L.Tooltip.include({
    _setPosition: function (pos) {
      place.call(this, pos);
      // Measured as drawn: Leaflet's stylesheet adds a margin on the side of the tooltip's arrow.
      var frame = this._map.getContainer().getBoundingClientRect(), drawn = this._container.getBoundingClientRect();
      var dx = Math.min(0, frame.right - drawn.right), dy = Math.min(0, frame.bottom - drawn.bottom);
      if (drawn.left + dx < frame.left) { dx = frame.left - drawn.left; }
      if (drawn.top + dy < frame.top) { dy = frame.top - drawn.top; }
      if (dx || dy) {
        L.DomUtil.setPosition(this._container, L.DomUtil.getPosition(this._container).add(L.point(dx, dy)));
      }
    }
  });
})();
