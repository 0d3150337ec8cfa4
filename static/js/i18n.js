// @ts-check
/** Every user-visible string comes from the catalogue; {name} placeholders are filled in. */
import { readSetup } from './boot.js';

/** @param {Record<string, string>} messages */
export function translator(messages) {
  /**
   * @param {string} key
   * @param {Record<string, string | number>} [params]
   * @returns {string}
   */
  return (key, params = {}) => {
    const text = messages[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

/** The page's catalogue (the views run in the page only). */
export const t = translator(readSetup().messages);
