// A wide table scrolls in its own box on a phone, with its first column kept in view (position:
// sticky; servicemap.css). Tab into a cell further along scrolled the box only as far as the
// browser saw fit, ignoring that column: going back (Shift+Tab) left the focused link under it, out
// of sight (WCAG 2.4.11 Focus not obscured), and going on left one cut off at the box's edge. Here
// the box is scrolled so that the focused control is whole, between that column and the box's edge.
const inView = (control) => {
  const wrap = control.closest('.sm-table-wrap');
  const cell = control.closest('th, td');
  if (!wrap || !cell || cell === cell.parentElement.firstElementChild) return;
  const first = cell.parentElement.firstElementChild;
  if (getComputedStyle(first).position !== 'sticky') return;
  const covered = first.getBoundingClientRect().right;
  const edge = wrap.getBoundingClientRect().right;
  const box = control.getBoundingClientRect();
  if (box.left < covered) {
    wrap.scrollLeft -= covered - box.left + 4;
  } else if (box.right > edge) {
    wrap.scrollLeft += Math.min(box.right - edge + 4, box.left - covered);
  }
};

// After the browser's own scrolling to the focused control, which follows the focus event.
document.addEventListener('focusin', (event) => requestAnimationFrame(() => inView(event.target)));
