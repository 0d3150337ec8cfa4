// @ts-check
/** Your own data: a CSV file read in the browser and sent to this session over REST. The table
 * lives in the session only; the server checks it and says which row and column it refuses. */
import { count } from '../format.js';
import { t } from '../i18n.js';
import { store } from '../store.js';

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {{ onError: (message: string) => void }} actions */
export function createUpload(actions) {
  const file = /** @type {HTMLInputElement} */ (byId('csv-file'));
  const target = /** @type {HTMLInputElement} */ (byId('csv-target'));
  const status = byId('upload-status');
  let sent = '';
  byId('upload-hint').textContent = t('upload.hint', {
    rows: count(store.limits.max_csv_rows), columns: store.limits.max_csv_columns });

  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen || !store.sessionId) return;
    status.textContent = t('upload.sending', { name: chosen.name });
    const query = target.value.trim() ? `?target=${encodeURIComponent(target.value.trim())}` : '';
    const response = await fetch(`/api/sessions/${store.sessionId}/csv${query}`, {
      method: 'PUT', headers: { 'content-type': 'text/csv' }, body: await chosen.text() });
    const body = await response.json();
    file.value = '';
    if (!response.ok) {
      const detail = Array.isArray(body.detail) ? body.detail.map((/** @type {any} */ e) => e.msg).join('; ')
        : String(body.detail);
      status.textContent = t('upload.failed', { detail });
      actions.onError(status.textContent);
      return;
    }
    store.uploaded = true;
    sent = chosen.name;
    // The new layout may have come over the socket before this reply did.
    if (store.layout) describe(store.layout);
  });

  /** Once the table's layout arrives, say what the network was given. */
  function describe(/** @type {any} */ layout) {
    if (layout.input_kind !== 'table' || !sent) return;
    status.textContent = t('upload.done', { name: sent, inputs: layout.feature_names.length,
      target: layout.target_name });
  }

  return { describe };
}
