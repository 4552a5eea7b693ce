// "Filter this list" on the services A to Z page: hides the services on this page whose name and
// organisation do not hold every word typed. It runs here only: the box has no name and is in no
// form, so nothing typed is sent, logged or cached (the search has no free-text box for that reason:
// a worried social worker could type a child's name). Without this script the box stays hidden and
// the letters and pages still work. The count shown is announced by the box's live region.
const box = document.querySelector('[data-list-filter]')
const input = box && box.querySelector('input')
const list = input && document.getElementById(input.getAttribute('aria-controls'))

// Case and accents ignored, so "ty" finds "Tŷ" and "cafe" finds "Café".
const fold = (text) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()

if (list) {
  const status = box.querySelector('[role="status"]')
  const items = [...list.children].map((item) => {
    const name = item.querySelector('h3')
    const org = item.querySelector('p')
    return { item, text: fold(`${name ? name.textContent : ''} ${org ? org.textContent : ''}`) }
  })
  let timer = null

  const announce = (shown) => {
    // Said only once typing pauses: a count per key press would talk over the typing.
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (!input.value.trim()) status.textContent = ''
      else if (shown === 0) status.textContent = status.dataset.none
      else status.textContent = status.dataset.shown.replace('{shown}', shown).replace('{total}', items.length)
    }, 400)
  }

  const apply = () => {
    const words = fold(input.value).split(/\s+/).filter(Boolean)
    let shown = 0
    for (const { item, text } of items) {
      const match = words.every((word) => text.includes(word))
      item.hidden = !match
      if (match) shown += 1
    }
    announce(shown)
  }

  input.addEventListener('input', apply)
  // Enter in a lone text box would do nothing useful; it is kept from submitting anything anywhere.
  input.addEventListener('keydown', (event) => { if (event.key === 'Enter') event.preventDefault() })
  box.hidden = false
  if (input.value) apply() // the browser restored what was typed (back button)
}
