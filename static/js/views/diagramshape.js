// @ts-check
/** Where the diagram's pieces go: columns and rows of neurons, curves between them, and SVG
 * elements made from attributes. */

const SVG = 'http://www.w3.org/2000/svg';
const MAX_NODE = 40;
// Presenter mode: larger neurons, and room under each for its number in 20 px type.
const LARGE_NODE = 96;
const LARGE_LABEL = 30;
// Room left of the input column for the x1, x2 labels; .column-heads has the same padding.
export const LABEL_MARGIN = 24;

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Target} Target */
/**
 * Where things go: the columns' x, the rows' y, the neurons' side and the band of each column.
 * @typedef {{ width: number, height: number, size: number, band: number, pictureSide: number,
 *   x: (l: number) => number, y: (l: number, k: number) => number }} Geometry
 */

/** @param {string} tag @param {Record<string, string | number>} attrs @param {Element} [parent] */
export function svg(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  parent?.appendChild(el);
  return el;
}

/** @param {Target | null} a @param {Target | null} b */
export function sameTarget(a, b) {
  return a !== null && b !== null && a.kind === b.kind && a.layer === b.layer && a.index === b.index
    && (a.kind === 'neuron' || a.source === /** @type {Target & { kind: 'weight' }} */ (b).source);
}

/** The diagram's height for a layout: its tallest column at full size, so that a small
 * network leaves no empty band above and below it, and a large one shrinks to fit.
 * @param {Layout} layout */
export function preferredHeight(layout) {
  const image = layout.input_kind === 'image';
  const rows = Math.max(...layout.sizes.slice(image ? 1 : 0));
  return Math.min(640, Math.max(image ? 150 : 160, rows * MAX_NODE * 1.5 + 28));
}

/** @param {Layout} layout @param {number} width @param {number} height
 * @param {boolean} [large] presenter mode: the diagram fills the height it is given, with
 * neurons up to LARGE_NODE and a row for a 20 px number under each @returns {Geometry} */
export function geometry(layout, width, height, large = false) {
  const sizes = layout.sizes;
  const image = layout.input_kind === 'image';
  const rows = Math.max(...sizes.slice(image ? 1 : 0));
  const pitch = large ? (height - 16 - LARGE_LABEL) / rows
    : Math.min(MAX_NODE * 1.5, (height - 16) / rows);
  const band = (width - LABEL_MARGIN) / sizes.length;
  const size = large ? Math.max(12, Math.min(LARGE_NODE, pitch - LARGE_LABEL, band * 0.45)) : Math.min(MAX_NODE, pitch * 0.72);
  // A large diagram's column is centred in its height, the numbers of the last row included.
  const middle = large ? (height - LARGE_LABEL) / 2 + 4 : height / 2;
  return { width, height, size, band,
    pictureSide: Math.min(band - 16, large ? 240 : 112, height - 16),
    x: (l) => LABEL_MARGIN + (l + 0.5) * band,
    y: (l, k) => middle + (k - (sizes[l] - 1) / 2) * pitch };
}

/** A curve from one column to the next. @param {number} x1 @param {number} y1 @param {number} x2 @param {number} y2 */
export function curve(x1, y1, x2, y2) {
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}
