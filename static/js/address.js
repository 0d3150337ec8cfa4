// @ts-check
/** The run in the page's address: ?config= holds the whole configuration (architecture,
 * activations, loss, optimizer and its settings, dataset and its settings, features, scaling,
 * seed) as base64url JSON beside ?lang=, so that a copied link starts the same run in any
 * browser. Pure functions; main.js reads the address once and views/address writes it. */

/** @typedef {import('./protocol.js').SessionConfig} SessionConfig */

/** @param {SessionConfig} config @returns {string} */
export function encodeConfig(config) {
  const bytes = new TextEncoder().encode(JSON.stringify(config));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The config a link carries, or null when it has none or it is not one (the server checks
 * the rest when the page sends it). @param {string | null} text @returns {SessionConfig | null} */
export function decodeConfig(text) {
  if (!text) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const config = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    return config && typeof config === 'object' && !Array.isArray(config) ? config : null;
  } catch {
    return null;
  }
}

/** The address with this config in it, and the open lesson (and no session id, which is this
 * tab's own).
 * @param {string} href @param {SessionConfig} config
 * @param {{ id: string, variant: string | null } | null} [lesson] */
export function addressWith(href, config, lesson = null) {
  const url = new URL(href);
  url.searchParams.set('config', encodeConfig(config));
  url.searchParams.delete('session');
  for (const [name, value] of [['lesson', lesson?.id], ['variant', lesson?.variant]]) {
    if (value) url.searchParams.set(/** @type {string} */ (name), value);
    else url.searchParams.delete(/** @type {string} */ (name));
  }
  return url.toString();
}
