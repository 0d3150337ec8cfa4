// @ts-check
/** Under the title: the way to the explanation of what is on screen, "Restore defaults"
 * (every setting, the network and the view back as a first visit has them), and saving the
 * run as a model file or opening one to continue it. */
import { online } from '../store.js';
import { enable, part } from './dom.js';

/** @param {HTMLElement} root
 * @param {{ restore: () => void, openModel: (file: File) => void }} actions */
export function createPageLinks(root, actions) {
  const restore = part(root, '#restore-defaults');
  const save = /** @type {HTMLAnchorElement} */ (part(root, '#model-save'));
  const file = /** @type {HTMLInputElement} */ (part(root, '#model-file'));
  restore.addEventListener('click', () => actions.restore());
  file.addEventListener('change', () => {
    if (file.files?.[0]) actions.openModel(file.files[0]);
    file.value = '';
  });

  /** @param {import('../store.js').State} state */
  function update(state) {
    enable([restore, file], online(state));
    const href = state.sessionId ? `/api/sessions/${encodeURIComponent(state.sessionId)}/export` : '';
    if (save.getAttribute('href') !== href) save.setAttribute('href', href);
  }

  return { update };
}
