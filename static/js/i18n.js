// @ts-check
/** Every user-visible string comes from the catalogue; {name} placeholders are filled in. */
import { boot } from './boot.js';

/**
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const text = boot.messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
