// The API documentation page (Swagger UI; templates/drf_spectacular/swagger_ui.html): what a
// screen reader and a keyboard are given, put right after Swagger UI draws, without forking it.
// Swagger UI (React) redraws parts of the page as operations open, "Try it out" is pressed and a
// request runs, and keeps attributes it did not set, so each fix is applied again to what it adds.
'use strict';
(() => {
  const root = document.getElementById('swagger-ui');
  // Its headings go from the title's h1 to h3 for each group of operations (WCAG 1.3.1; axe:
  // heading-order): each is read one level up, so the groups and "Schemas" are level 2 and the
  // parts of an open operation ("Parameters", "Responses"; "Response body") levels 3 and 4.
  const LEVELS = [
    ['.opblock-tag-section h3.opblock-tag', '2'],
    ['section.models > h4', '2'],
    ['.opblock-tag-section h4', '3'],
    ['.opblock-tag-section h5', '4'],
  ];
  // What a box that scrolls holds, and for which operation (and response code): each is a region
  // of its own, so each name is different ("Example value, 200, GET /api/oruk/services").
  const boxName = (pre) => {
    const operation = pre.closest('.opblock');
    const where = operation ? ['.opblock-summary-method', '.opblock-summary-path']
      .map((part) => operation.querySelector(part)).filter(Boolean).map((part) => part.textContent.trim()).join(' ') : '';
    const response = pre.closest('tr.response[data-code]');
    let what = 'Example value';
    if (pre.classList.contains('curl')) what = 'Curl';
    else if (pre.closest('.live-responses-table')) what = 'Response body';
    else if (response) what = `Example value, ${response.dataset.code}`;
    return where ? `${what}, ${where}` : what;
  };
  const fix = () => {
    // Swagger UI puts the operations in <main> and its title and description above it, outside any
    // landmark (1.3.1; axe: region): they are the page's banner.
    root.querySelectorAll('.information-container:not([role])').forEach((info) => info.setAttribute('role', 'banner'));
    for (const [selector, level] of LEVELS) {
      root.querySelectorAll(`${selector}:not([aria-level])`).forEach((h) => h.setAttribute('aria-level', level));
    }
    // "Try it out" shows a true-or-false or a listed-values parameter as a <select> with no label
    // (4.1.2; axe: select-name); named as the text boxes are, by the parameter's name.
    root.querySelectorAll('tr[data-param-name] select:not([aria-label])').forEach((select) => {
      select.setAttribute('aria-label', select.closest('tr').dataset.paramName);
    });
    // A box that scrolls must be reachable by keyboard to be scrolled (2.1.1; axe:
    // scrollable-region-focusable): each is a named region in the Tab order.
    root.querySelectorAll('.highlight-code > pre:not([tabindex]), pre.curl:not([tabindex])').forEach((pre) => {
      pre.setAttribute('tabindex', '0');
      pre.setAttribute('role', 'region');
      pre.setAttribute('aria-label', boxName(pre));
    });
  };
  new MutationObserver(fix).observe(root, { childList: true, subtree: true });
})();
