// @ts-check
/** MathML built with the DOM (never from markup): Chromium typesets it natively, offline. */
import { num } from './format.js';

const MATHML = 'http://www.w3.org/1998/Math/MathML';

/** @typedef {Element | string | number} Part a node, an identifier, or a number */

/**
 * @param {string} tag
 * @param {Part[]} children strings become <mi>, numbers <mn> (parenthesised when negative)
 */
export function m(tag, ...children) {
  const el = document.createElementNS(MATHML, tag);
  for (const child of children) el.append(part(child));
  return el;
}

/** @param {Part} child */
function part(child) {
  if (child instanceof Element) return child;
  if (typeof child === 'number') return factor(child, '');
  const el = document.createElementNS(MATHML, 'mi');
  el.textContent = child;
  return el;
}

/**
 * A number as the inspector prints it, with a true minus sign.
 * @param {number | null} x
 * @param {string} [name] what the number is, for tests and assistive tools (data-name)
 */
export function value(x, name) {
  const mn = document.createElementNS(MATHML, 'mn');
  mn.textContent = num(x ?? NaN).replace('-', '−');
  if (name) mn.setAttribute('data-name', name);
  return mn;
}

/** A number that is multiplied or added: parenthesised when negative, so that 2 · (−3) reads right. */
export function factor(/** @type {number | null} */ x, /** @type {string} */ name) {
  const mn = value(x, name);
  return x !== null && x < 0 ? m('mrow', op('('), mn, op(')')) : mn;
}

/** @param {string} symbol */
export function op(symbol) {
  const el = document.createElementNS(MATHML, 'mo');
  el.textContent = symbol;
  return el;
}

/** x with a subscript and a superscript, e.g. sub-sup('w', 'kj', 'l') for w_kj^l. */
export function subsup(/** @type {Part} */ base, /** @type {Part} */ sub, /** @type {Part} */ sup) {
  return m('msubsup', base, sub, sup);
}

/** A displayed equation, left-aligned (block MathML is centred by definition, so the math is
 * inline in a block of its own, in display style). */
export function equation(/** @type {Part[]} */ ...parts) {
  const line = document.createElement('div');
  line.className = 'equation';
  /** @type {Element[]} */
  let chunk = [];
  const flush = () => {
    if (!chunk.length) return;
    const math = m('math', m('mrow', ...chunk));
    math.setAttribute('displaystyle', 'true');
    line.append(math);
    chunk = [];
  };
  for (const node of parts.flatMap(flat)) {
    if (node.localName === 'mo' && BREAKS.has(node.textContent ?? '') && chunk.length) {
      flush();
      node.setAttribute('form', 'infix');  // still spaced as the operator it is, first in its piece
    }
    chunk.push(node);
  }
  flush();
  return line;
}

/** Operators a long line may wrap before: one <math> per piece, side by side in a wrapping row,
 * so that a substituted equation fits a phone without sideways scrolling. */
const BREAKS = new Set(['=', '+', '−', '←', '·', '⊙']);

/** A part's top-level pieces: plain rows are opened up, so that their operators may wrap.
 * @param {Part} child @returns {Element[]} */
function flat(child) {
  const node = part(child);
  return node.localName === 'mrow' && node.attributes.length === 0 ? [...node.children].flatMap(flat) : [node];
}

/** Terms joined by an operator: a + b + c. */
export function joined(/** @type {Part[]} */ terms, /** @type {string} */ symbol) {
  return m('mrow', ...terms.flatMap((term, i) => (i === 0 ? [part(term)] : [op(symbol), part(term)])));
}
