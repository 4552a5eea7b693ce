// The shortlist's "Back to search" link went to an empty form: the search the list was built from
// lives only in its page's address (searches are never kept on the server), so unless the browser's
// back button could still reach it (not after removing a service, a page of its own), it was lost.
// Each search page keeps its query (the same text as its address: a postcode's first part at most)
// in this tab's sessionStorage, and links marked data-last-search (the shortlist's, a service page's) go back to it, on their own path
// (so in their page's language). A search page with no query (the form cleared) forgets it.
const KEY = 'servicemap-last-search'

const read = () => {
  try {
    return sessionStorage.getItem(KEY)
  } catch (error) {
    return null // storage refused (private browsing): the link stays as it is
  }
}

if (document.getElementById('search-form')) {
  try {
    if (window.location.search) sessionStorage.setItem(KEY, window.location.search)
    else sessionStorage.removeItem(KEY)
  } catch (error) {
    // Storage full or refused: the shortlist's link goes to the empty form, as before.
  }
}

const query = read()
if (query && query.startsWith('?')) {
  for (const link of document.querySelectorAll('a[data-last-search]')) {
    const url = new URL(link.href, window.location.href)
    url.search = query
    link.href = url.pathname + url.search
  }
}
