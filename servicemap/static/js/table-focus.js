// A wide table scrolls in its own box on a phone, with its first column kept in view (position:
// sticky; servicemap.css). Tab into a cell further along scrolled the box only as far as the
// browser saw fit, ignoring that column: going back (Shift+Tab) left the focused link under it, out
// of sight (WCAG 2.4.11 Focus not obscured), and going on left one cut off at the box's edge. Here
// the box is scrolled so that the focused control is whole, between that column and the box's edge.
const inView = (control) => {
  const wrap = control.closest('.sm-table-wrap');
  const cell = control.closest('th, td');
  if (!wrap || !cell || getComputedStyle(cell).position === 'sticky') return;
  // The kept column's heading: the first row's first cell, which spans a second row of headings
  // under a group heading (the gaps tables' "Wait (weeks)": Median, Longest) whose own first cell
  // is not kept in view.
  const first = cell.closest('table').rows[0].cells[0];
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
