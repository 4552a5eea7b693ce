// The search form sends its fields in the page's address, which browser history, shared links
// and proxy logs keep. Two things before it goes:
// - empty fields are left out, so a shared search link stays short and readable;
// - a full postcode is cut to its sector ("CF10 1EP" → "CF10 1"), with cut=1 so the page says so:
//   a unit postcode is about 15 homes, and with the child's age and forms of abuse beside it, it
//   comes close to naming a child. The server cuts one that reaches it too (a redirect,
//   directory/postcode_privacy.py), but only after a request that carried it; this way it never
//   leaves the browser. Where the unit's local authority is not its sector's for certain, `la`
//   keeps it, read from a table that is the same for everyone (nothing about this search is sent
//   to read it). The field keeps what was typed, for the back button.
// Written as directory/postcodes.py's parse_postcode reads a unit postcode (tests/browser checks
// the two agree).
const form = document.getElementById('search-form')
const unitsUrl = document.querySelector('script[data-postcode-units]')?.dataset.postcodeUnits
const UNIT = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])([ABD-HJLNP-UW-Z]{2})$/
const WAIT_MS = 3000 // for the table; past it, the sector alone (the page then says if it is split)

// An O or I typed for a digit where only a digit can stand, as parse_postcode reads it: after the
// area and district digit ("CF1O 1EP"), and at the start of the inward code ("CF10 IEP").
const DIGIT = { O: '0', I: '1' }
const digitsForLetters = (compact) => compact
  .replace(/^([A-Z]{1,2}[0-9])([OI])/, (_, before, letter) => before + DIGIT[letter])
  .replace(/^(.{2,4})([OI])([A-Z]{2})$/, (_, before, letter, after) => before + DIGIT[letter] + after)

const parseUnit = (typed) => {
  const compact = digitsForLetters(typed.toUpperCase().replace(/[^A-Z0-9]+/g, ''))
  const match = compact.length <= 8 ? UNIT.exec(compact) : null
  return match && { sector: `${match[1]} ${match[2]}`, letters: match[3] }
}

let units = null
const loadUnits = () => {
  units ??= (unitsUrl ? fetch(unitsUrl).then((r) => (r.ok ? r.json() : {})) : Promise.resolve({}))
    .catch(() => ({}))
  return units
}

const authorityOf = async (unit) => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve({}), WAIT_MS))
  const table = (await Promise.race([loadUnits(), timeout])).sectors?.[unit.sector] ?? {}
  for (const [code, letters] of Object.entries(table)) {
    for (let i = 0; i < letters.length; i += 2) if (letters.slice(i, i + 2) === unit.letters) return code
  }
  return ''
}

// Beside results, the form says what they are for. Changed and sent, it still held the new search
// when the back button came back to these results (the browser fills a form back in, or keeps the
// whole page): results for a child of 9, a form saying 14. So a form that was sent from beside
// results is put back as the page drew it as the page is left. Changes not sent (then a link
// followed) are kept, and so is what was typed into the form on its own page, for the back button.
const besideResults = document.getElementById('results') !== null
let sent = false

if (form) {
  window.addEventListener('pagehide', () => {
    if (sent && besideResults) form.reset()
    sent = false
  })
  const postcode = form.elements.namedItem('postcode')
  // Fetched while the postcode is typed, so the search does not wait for it.
  postcode?.addEventListener('input', () => { if (parseUnit(postcode.value)) loadUnits() })

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    sent = true
    const params = new URLSearchParams()
    for (const [name, value] of new FormData(form)) { if (value.trim() !== '') params.append(name, value.trim()) }
    const unit = parseUnit(params.get('postcode') ?? '')
    if (unit) {
      params.set('postcode', unit.sector)
      // A local authority chosen stands, as it does beside any postcode.
      const authority = params.has('la') ? '' : await authorityOf(unit)
      if (authority) params.set('la', authority)
      params.set('cut', '1')
    }
    // params.toString(), not params.size: browsers before 2023 (iOS 16, older managed desktops) lack
    // .size, and the search went to a bare /search/ with everything typed lost.
    const query = params.toString()
    window.location.assign(form.action + (query ? '?' + query : ''))
  })
}
