// @ts-check
/** The language switch in the header. A choice is saved (in this browser, and in a cookie the
 * server reads) and the page loads again in that language, on the same session (the tab keeps
 * it), with ?lang= in the address so that a reload or a shared link keeps it too. */

export const LANGUAGE_KEY = 'backprop-playground-language';

/** The address of this page in another language. @param {string} href @param {string} language */
export function addressIn(href, language) {
  const url = new URL(href);
  url.searchParams.set('lang', language);
  return url.toString();
}

/** Remember a choice for pages opened without ?lang=. @param {string} language */
export function saveLanguage(language) {
  try { localStorage.setItem(LANGUAGE_KEY, language); } catch { /* storage off: the address still carries it */ }
  document.cookie = `lang=${encodeURIComponent(language)}; path=/; max-age=31536000; SameSite=Lax`;
}

/** A page opened without ?lang= in another language than the one saved here (the cookie lost,
 * the server unaware) loads again in the saved one; true when it does.
 * @param {string} shown the page's language @returns {boolean} */
export function followSavedLanguage(shown) {
  if (new URLSearchParams(window.location.search).has('lang')) return false;
  let saved = null;
  try { saved = localStorage.getItem(LANGUAGE_KEY); } catch { return false; }
  const offered = [...document.querySelectorAll('#language option')].map((o) => /** @type {HTMLOptionElement} */ (o).value);
  if (saved && saved !== shown && offered.includes(saved)) {
    saveLanguage(saved);
    window.location.replace(addressIn(window.location.href, saved));
    return true;
  }
  return false;
}

/** @param {HTMLElement} root the switch's label @param {string} shown the page's language */
export function createLanguageSwitch(root, shown) {
  const select = /** @type {HTMLSelectElement} */ (root.querySelector('select'));
  select.value = shown;
  select.addEventListener('change', () => {
    saveLanguage(select.value);
    window.location.assign(addressIn(window.location.href, select.value));
  });
  return { update() {} };
}
