// @ts-check
/** The run as a model file: saved (the server writes it) or opened to continue it exactly,
 * in a new session of this tab. */
import { online } from '../store.js';
import { enable, part } from './dom.js';

/** @param {HTMLElement} root @param {{ openModel: (file: File) => void }} actions */
export function createModelLinks(root, actions) {
  const save = /** @type {HTMLAnchorElement} */ (part(root, '#model-save'));
  const file = /** @type {HTMLInputElement} */ (part(root, '#model-file'));
  file.addEventListener('change', () => {
    if (file.files?.[0]) actions.openModel(file.files[0]);
    file.value = '';
  });

  /** @param {import('../store.js').State} state */
  function update(state) {
    enable([file], online(state));
    const href = state.sessionId ? `/api/sessions/${encodeURIComponent(state.sessionId)}/export` : '';
    if (save.getAttribute('href') !== href) save.setAttribute('href', href);
  }

  return { update };
}
