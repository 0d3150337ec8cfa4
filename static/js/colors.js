// @ts-check
/** One diverging palette for weights, neurons and the boundary: orange for negative or class 0,
 * blue for positive or class 1, pale grey at zero. NaN is a darker grey. */

// Dark enough to stand 3:1 on white as a line (WCAG non-text contrast; tests/js/contrast.test.js).
const NEGATIVE = [217, 108, 0];
const POSITIVE = [8, 119, 189];
const MIDDLE = [236, 238, 240];
const INVALID = [150, 150, 150];

/**
 * @param {number} t in [-1, 1]
 * @returns {number[]} r, g, b
 */
export function diverging(t) {
  if (!Number.isFinite(t)) return INVALID;
  const s = Math.max(-1, Math.min(1, t));
  const end = s < 0 ? NEGATIVE : POSITIVE;
  const k = Math.abs(s);
  return MIDDLE.map((m, i) => Math.round(m + (end[i] - m) * k));
}

/** @param {number} t */
export function css(t) {
  const [r, g, b] = diverging(t);
  return `rgb(${r},${g},${b})`;
}

/** @param {number} sign */
export function signColor(sign) {
  return css(sign < 0 ? -1 : 1);
}

// The map is paler than the points drawn on it, so that a point stays visible on its own class.
const MAP_STRENGTH = 0.7;

/** RGBA for each byte value of a boundary map (0 = class 0, 255 = class 1). */
export const MAP_LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v += 1) {
    const [r, g, b] = diverging(((v / 255) * 2 - 1) * MAP_STRENGTH);
    lut.set([r, g, b, 255], v * 4);
  }
  return lut;
})();

// Classes beyond two: distinct hues that stay apart for common colour-vision deficiencies;
// the first two are the binary palette's orange and blue, so two classes look the same in both.
const CLASS_COLOURS = [NEGATIVE, POSITIVE, [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];

/** @param {number} k class index @returns {number[]} r, g, b */
export function classRgb(k) {
  return CLASS_COLOURS[k % CLASS_COLOURS.length];
}

/** @param {number} k class index */
export function classColor(k) {
  const [r, g, b] = classRgb(k);
  return `rgb(${r},${g},${b})`;
}
