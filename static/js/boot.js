// @ts-check
/** What the server put in the page before it connects (its PageSetup, typed in wire.js):
 * limits, every setting's bounds, the choices, what fits each kind of problem, previews and the
 * message catalogue. Read when asked, never at import, so that modules that do not need it run
 * anywhere. */

/** @typedef {import('./wire.js').PageSetup} PageSetup */
/** @typedef {import('./wire.js').DatasetChoice} DatasetChoice */
/** @typedef {import('./wire.js').DatasetPreview} DatasetPreview */

/** @param {Document} doc @returns {PageSetup} */
export function readSetup(doc = document) {
  return JSON.parse(doc.getElementById('boot')?.textContent ?? '{}');
}
