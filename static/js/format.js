// @ts-check
/** Numbers as people read them: a few significant digits, and a dash for NaN. */

/**
 * @param {number} value
 * @param {number} [digits]
 * @returns {string}
 */
export function num(value, digits = 4) {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-4) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    return `${mantissa}×10${superscript(Number(exponent))}`;
  }
  return String(Number(value.toPrecision(digits)));
}

const SUPERSCRIPTS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** @param {number} exponent */
export function superscript(exponent) {
  const digits = [...String(Math.abs(exponent))].map((d) => SUPERSCRIPTS[Number(d)]).join('');
  return exponent < 0 ? `⁻${digits}` : digits;
}

/** A share as a percentage with one decimal, the page language's way (98.8%).
 * @param {number} value @param {string} [locale] the page's language by default */
export function percent(value, locale = globalThis.document?.documentElement.lang || 'en') {
  return Number.isFinite(value)
    ? value.toLocaleString(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
    : '–';
}

/** A whole number with the page language's digit grouping (1,234).
 * @param {number} value @param {string} [locale] the page's language by default */
export function count(value, locale = globalThis.document?.documentElement.lang || 'en') {
  return Math.round(value).toLocaleString(locale);
}
