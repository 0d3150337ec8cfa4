// @ts-check
/** Every user-visible string comes from the catalogue of the page's language: {name}
 * placeholders are filled in, whole numbers grouped the language's way (Intl.NumberFormat),
 * and plurals picked by Intl.PluralRules from keys `key.one`, `key.other`, … */
import { readSetup } from './boot.js';

/** @typedef {Record<string, string | number>} Params */

/**
 * @param {Record<string, string>} messages
 * @param {string} [locale]
 */
export function translator(messages, locale = 'en') {
  const numbers = new Intl.NumberFormat(locale);
  const plurals = new Intl.PluralRules(locale);
  /** @param {string | number} value */
  const shown = (value) => (typeof value === 'number' && Number.isInteger(value) ? numbers.format(value) : String(value));
  /**
   * @param {string} key
   * @param {Params} [params]
   * @returns {string}
   */
  const t = (key, params = {}) => {
    const text = messages[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? shown(params[name]) : whole));
  };
  /** The plural form for a count: `key.one`, `key.other` … (`key.other` when the form is missing).
   * @param {string} key @param {number} n @param {Params} [params] */
  const tn = (key, n, params = {}) => {
    const form = `${key}.${plurals.select(n)}`;
    return t(form in messages ? form : `${key}.other`, { n, ...params });
  };
  /** @param {string} key */
  const has = (key) => key in messages;
  return { t, tn, has, locale };
}

// In the page, its catalogue; under node (the tests of translator), none.
const setup = /** @type {Partial<import('./boot.js').PageSetup>} */ (globalThis.document ? readSetup() : {});
/** The page's language, as the server chose it (and `<html lang>` says). */
export const language = setup.language ?? 'en';
/** The page's catalogue (the views run in the page only). */
export const translate = translator(setup.messages ?? {}, language);
export const { t, tn, has } = translate;
