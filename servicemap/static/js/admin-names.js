// Django's admin: names for fields its own markup leaves unnamed (templates/admin/base_site.html).
//
// A date-and-time field is two boxes after the words "Date:" and "Time:", in a <p>, with the
// field's <label> pointing at neither (axe: label): each is named "Recorded at: Date", from the
// label and the words beside it, in the page's language.
//
// Autocomplete boxes (select2):
// select2 hides the <select> and draws a combobox named only by the value shown in it
// (aria-labelledby its own "rendered" text), so on a form that adds a record the box had no name
// at all (axe: aria-input-field-name) and, with a value, was read as "Powys Trust" with no
// "Organisation". Here each box is named by its field's <label> and then its value; a box in a
// tabular inline, which has no <label>, by the select's aria-label (directory/admin_inlines.py),
// through the box's own id. The value inside the box loses select2's role="textbox", a second,
// unnamed field inside the first (a select-only combobox, as ARIA 1.2 has it, holds its value as
// text). select2 sets these once, as it draws the box; boxes are drawn after this script runs
// (jQuery's ready, an inline's "Add another"), hence the observer.
'use strict';
(() => {
  const nameBox = (select) => {
    const container = select.nextElementSibling;
    const box = container && container.querySelector('.select2-selection[role="combobox"]');
    const rendered = box && box.querySelector('.select2-selection__rendered[id]');
    if (!rendered || box.dataset.smNamed) return;
    const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    let first;
    if (label) {
      label.id = label.id || `${select.id}-label`;
      first = label.id;
    } else if (select.getAttribute('aria-label')) {
      box.id = box.id || `${rendered.id}-box`;
      box.setAttribute('aria-label', select.getAttribute('aria-label'));
      first = box.id;
    } else {
      return;
    }
    box.setAttribute('aria-labelledby', `${first} ${rendered.id}`);
    rendered.removeAttribute('role');
    rendered.removeAttribute('aria-readonly');
    box.dataset.smNamed = 'true';
  };
  const nameDateOrTime = (input) => {
    const label = input.closest('.form-row') && input.closest('.form-row').querySelector('label');
    const part = input.previousSibling && input.previousSibling.nodeType === Node.TEXT_NODE ? input.previousSibling.textContent : '';
    const name = [label ? label.textContent : '', part].map((text) => text.trim().replace(/:$/, '')).filter(Boolean);
    if (name.length) input.setAttribute('aria-label', name.join(': '));
  };
  const nameAll = () => {
    document.querySelectorAll('select.select2-hidden-accessible').forEach(nameBox);
    document.querySelectorAll('p.datetime > input:not([aria-label]):not([type="hidden"])').forEach(nameDateOrTime);
  };
  const boxOf = (select) => select.nextElementSibling && select.nextElementSibling.querySelector('.select2-selection');
  // An open list: its search box is named by the same label (select2 gives it none), and the box
  // says which list it controls (an expanded combobox must: select2 gives only aria-owns).
  const opened = (event) => {
    const box = boxOf(event.target);
    const search = document.querySelector('.select2-container--open .select2-search__field');
    if (!box || !box.dataset.smNamed) return;
    if (search) search.setAttribute('aria-labelledby', box.getAttribute('aria-labelledby').split(' ')[0]);
    if (box.getAttribute('aria-owns')) box.setAttribute('aria-controls', box.getAttribute('aria-owns'));
  };
  const closed = (event) => {
    const box = boxOf(event.target);
    if (box) box.removeAttribute('aria-controls');
  };
  new MutationObserver(nameAll).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', nameAll);
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on('select2:open', opened).on('select2:close', closed);
  }
})();
