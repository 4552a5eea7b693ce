/* The gaps map's tooltips stay inside the map. Leaflet puts a tooltip beside the pointer, centred
 * on it, and the map's frame hides whatever passes its edge: on a phone (a 420 px map, a tooltip
 * up to 80% of the screen wide) tapping an area showed the figures' labels with the figures cut
 * off, or lost the area's name above the top. Moved back in, its top and left edges first: an
 * area's name comes first whatever else cannot fit.
 *
 * And clear of the map's controls (the zoom buttons, the scale bar, the attribution): Leaflet draws
 * them over every pane, tooltips' too (leaflet.css: the tooltip pane's 650 counts only inside the
 * map pane, itself at 400; the controls' corners are at 1000 beside it), so an area near the bottom
 * showed its last figures under the scale bar. Raising the tooltips over the controls would mean
 * raising the whole map pane, areas and all, over the zoom buttons; a tooltip is moved off a
 * control instead: up from a bottom corner's, down from a top corner's, where it still fits inside
 * the map. */
(function () {
  "use strict";
  if (!window.L || !L.Tooltip) { return; }
  var GAP = 4;  // px between a tooltip and a control it is moved off
  var place = L.Tooltip.prototype._setPosition;

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function shifted(box, dx, dy) {
    return {left: box.left + dx, right: box.right + dx, top: box.top + dy, bottom: box.bottom + dy};
  }

  // How far to move a tooltip drawn at `box` (already inside `frame`) down (or up, negative) so it
  // covers none of the map's controls.
  function clearOfControls(container, frame, box) {
    var dy = 0;
    Array.prototype.forEach.call(container.querySelectorAll(".leaflet-control"), function (control) {
      var ctrl = control.getBoundingClientRect(), now = shifted(box, 0, dy);
      if (!ctrl.width || !ctrl.height || !overlaps(now, ctrl)) { return; }
      if (control.closest(".leaflet-bottom")) {
        var up = ctrl.top - GAP - now.bottom;
        if (now.top + up >= frame.top) { dy += up; }
      } else if (control.closest(".leaflet-top")) {
        var down = ctrl.bottom + GAP - now.top;
        if (now.bottom + down <= frame.bottom) { dy += down; }
      }
    });
    return dy;
  }

  L.Tooltip.include({
    _setPosition: function (pos) {
      place.call(this, pos);
      // Measured as drawn: Leaflet's stylesheet adds a margin on the side of the tooltip's arrow.
      var container = this._map.getContainer();
      var frame = container.getBoundingClientRect(), drawn = this._container.getBoundingClientRect();
      var dx = Math.min(0, frame.right - drawn.right), dy = Math.min(0, frame.bottom - drawn.bottom);
      if (drawn.left + dx < frame.left) { dx = frame.left - drawn.left; }
      if (drawn.top + dy < frame.top) { dy = frame.top - drawn.top; }
      dy += clearOfControls(container, frame, shifted(drawn, dx, dy));
      if (dx || dy) {
        L.DomUtil.setPosition(this._container, L.DomUtil.getPosition(this._container).add(L.point(dx, dy)));
      }
    }
  });
})();
