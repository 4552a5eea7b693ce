// A page as printed (or saved as PDF), which may be days after it was loaded.
//
// Folded parts print open: a closed <details> printed its summary alone ("Why other services are not
// shown", over a search's results), and a case meeting's paper lost what it folded away. They are
// opened for printing and closed again after it, as they were. (servicemap.css opens them on paper
// where a browser can do it without script.)
//
// "Printed from servicemap on …" said the day the page was loaded, which a tab left open printed
// days later: it says the day it is printed, in the page's language. The server's words are the day
// (base.html, the print_day filter) in the same form, "j F Y", with the language's month names in
// data-months, as no browser can be relied on to know Welsh ones.
let opened = [];

const today = (months) => {
  const now = new Date();
  return `${now.getDate()} ${months[now.getMonth()]} ${now.getFullYear()}`;
};

window.addEventListener('beforeprint', () => {
  opened = [...document.querySelectorAll('details:not([open])')];
  for (const details of opened) details.open = true;
  for (const day of document.querySelectorAll('.sm-print-date[data-months]')) {
    const months = day.dataset.months.split(',');
    if (months.length === 12) day.textContent = today(months);
  }
});

window.addEventListener('afterprint', () => {
  for (const details of opened) details.open = false;
  opened = [];
});
