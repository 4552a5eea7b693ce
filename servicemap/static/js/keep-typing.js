// The language switcher is a plain link to the same page in the other language, so what someone
// had typed into a form and not yet sent (a provider's edit, a problem report) was lost on
// switching. On the switch, the changed fields go into this tab's sessionStorage for the page
// it goes to; that page fills them back in and forgets them at once. Passwords are never kept.
const KEY = 'servicemap-typed-before-language-switch'
const SKIPPED = new Set(['password', 'hidden', 'file', 'submit', 'button', 'reset', 'image'])

const fields = () => [...document.querySelectorAll('main form')].flatMap((form, formIndex) =>
  [...form.elements]
    .filter((el) => el.name && !SKIPPED.has(el.type) && !el.disabled)
    .map((el) => ({ el, formIndex })))

const isChanged = (el) => {
  if (el.type === 'checkbox' || el.type === 'radio') return el.checked !== el.defaultChecked
  if (el.tagName === 'SELECT') return [...el.options].some((o) => o.selected !== o.defaultSelected)
  return el.value !== el.defaultValue
}

const keep = (target) => {
  const changed = fields().filter(({ el }) => isChanged(el))
  if (changed.length === 0) return
  const values = changed.map(({ el, formIndex }) => ({
    form: formIndex,
    name: el.name,
    value: el.type === 'checkbox' || el.type === 'radio' ? el.value : null,
    checked: el.checked,
    text: el.tagName === 'SELECT' ? [...el.selectedOptions].map((o) => o.value) : el.value
  }))
  const url = new URL(target, window.location.href)
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ page: url.pathname + url.search, values }))
  } catch (error) {
    // Storage full or refused (private browsing): switch without keeping, as before.
  }
}

const restore = () => {
  let kept
  try {
    kept = JSON.parse(sessionStorage.getItem(KEY))
    sessionStorage.removeItem(KEY)
  } catch (error) {
    return
  }
  if (!kept || kept.page !== window.location.pathname + window.location.search) return
  const here = fields()
  for (const saved of kept.values) {
    for (const { el, formIndex } of here) {
      if (formIndex !== saved.form || el.name !== saved.name) continue
      if (el.type === 'checkbox' || el.type === 'radio') {
        if (el.value === saved.value) el.checked = saved.checked
      } else if (el.tagName === 'SELECT') {
        for (const option of el.options) option.selected = saved.text.includes(option.value)
      } else {
        el.value = saved.text
      }
      // A field in a closed section (the search's "Delivery, wait and who is referring") would
      // hold its kept value out of sight; the page opens it for a value it draws, so open it here.
      el.closest('details')?.setAttribute('open', '')
    }
  }
}

restore()
for (const link of document.querySelectorAll('.sm-lang__link')) {
  link.addEventListener('click', () => keep(link.href))
}
