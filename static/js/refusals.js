// @ts-check
/** A server refusal in the page's language: each refused field by its label and its code's
 * message (filled with the refusal's params), or the refusal's own code's message. The server's
 * English message is shown only for a code the catalogue does not know. */

/** @typedef {import('./protocol.js').Refusal} Refusal */
/** @typedef {{ t: (key: string, params?: Record<string, string | number>) => string, has: (key: string) => boolean }} Translate */

/** The catalogue key of a field's label: `config.` and list indices dropped
 * (config.network.hidden_layers.0 → field.network.hidden_layers). @param {string} field */
export function fieldKey(field) {
  const parts = field.split('.').filter((part) => part !== 'config' && !/^\d+$/.test(part));
  return `field.${parts.join('.')}`;
}

/** The key of a code's message; a CSV refusal says the row and column it has.
 * @param {string} code @param {Record<string, string | number>} params */
function messageKey(code, params) {
  if (code !== 'csv') return `refusal.${code}`;
  if (params.row && params.column) return params.name && params.name !== `column ${params.column}` ? 'refusal.csv.named' : 'refusal.csv';
  return params.row ? 'refusal.csv.row' : 'refusal.csv.file';
}

/** @param {{ code: string, message: string, params: Record<string, string | number> }} part @param {Translate} tr */
function message(part, tr) {
  const key = messageKey(part.code, part.params);
  if (!tr.has(key) || (part.code === 'csv' && !('detail' in part.params))) return part.message;
  return tr.t(key, part.params);
}

/** @param {Refusal} refusal @param {Translate} tr @returns {string} */
export function translatedRefusal(refusal, tr) {
  if (!refusal.errors.length) return message(refusal, tr);
  return refusal.errors.map((e) => {
    const key = fieldKey(e.field);
    return tr.t('refusal.fieldMessage', { field: tr.has(key) ? tr.t(key) : e.field, message: message(e, tr) });
  }).join(tr.t('refusal.join'));
}

