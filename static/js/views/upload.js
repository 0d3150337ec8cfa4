// @ts-check
/** Your own data: a CSV file read in the browser and handed to the server. The table lives in
 * the session only; the server checks it and says which row and column it refuses. */
import { count } from '../format.js';
import { t, translate } from '../i18n.js';
import { translatedRefusal } from '../refusals.js';
import { online } from '../store.js';
import { enable, part } from './dom.js';

/**
 * @param {HTMLElement} root
 * @param {import('../boot.js').PageSetup} setup
 * @param {{ upload: (file: File, target: string) => void }} actions
 */
export function createUpload(root, setup, actions) {
  const file = /** @type {HTMLInputElement} */ (part(root, '#csv-file'));
  const target = /** @type {HTMLInputElement} */ (part(root, '#csv-target'));
  const status = part(root, '#upload-status');
  part(root, '#upload-hint').textContent = t('upload.hint', {
    rows: count(setup.limits.max_csv_rows), columns: setup.limits.max_csv_columns });
  /** @type {import('../store.js').Upload | null} */
  let shown = null;
  /** @type {boolean | null} */
  let live = null;

  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    actions.upload(chosen, target.value.trim());
    file.value = '';
  });

  /** @param {import('../store.js').Upload} upload */
  function describe(upload) {
    switch (upload.phase) {
      case 'idle': return '';
      case 'sending': case 'sent': return t('upload.sending', { name: upload.name });
      case 'failed': return t('upload.failed', { detail: translatedRefusal(upload.refusal, translate) });
      default: return t('upload.done', { name: upload.name, inputs: upload.inputs, target: upload.target });
    }
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (online(state) !== live) {
      live = online(state);
      enable([file, target], live);
    }
    if (state.upload === shown) return;
    shown = state.upload;
    status.textContent = describe(state.upload);
  }

  return { update };
}
