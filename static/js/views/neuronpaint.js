// @ts-check
/** Pictures inside neurons: what a neuron computes over the input plane, an input image, and
 * a neuron's weights from an input image; and how a weight's size becomes a line's width. */
import { diverging, MAP_LUT } from '../colors.js';

/** Width and opacity saturate smoothly, so a weight of 5 is visibly bigger than 1 but fits.
 * @param {number} w */
export function weightStyle(w) {
  const s = Math.abs(w) / (Math.abs(w) + 1);
  return { width: 0.4 + 7 * s, opacity: 0.25 + 0.75 * s };
}

/** The size of a row of weights drawn as one line: their root mean square.
 * @param {Float32Array} values */
export function rms(values) {
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
}

/** Row k of a matrix with n columns. @param {Float32Array | undefined} W @param {number} k @param {number} n */
export function rowOf(W, k, n) {
  return /** @type {Float32Array} */ (W).subarray(k * n, (k + 1) * n);
}

/** @param {HTMLCanvasElement} canvas @param {(image: ImageData) => void} paint */
function paintImage(canvas, paint) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const image = context.createImageData(canvas.width, canvas.height);
  paint(image);
  context.putImageData(image, 0, 0);
}

/** A neuron map (map_cells bytes, 128 neutral) in a canvas of that many pixels.
 * @param {HTMLCanvasElement} canvas @param {Uint8Array} map */
export function paintMap(canvas, map) {
  paintImage(canvas, (image) => map.forEach((v, i) => image.data.set(MAP_LUT.subarray(v * 4, v * 4 + 4), i * 4)));
}

/** A grey image, 1 = ink, as the digits are drawn. @param {HTMLCanvasElement} canvas @param {Float32Array} values */
export function paintPixels(canvas, values) {
  paintImage(canvas, (image) => values.forEach((v, i) => {
    const shade = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
    image.data.set([shade, shade, shade, 255], i * 4);
  }));
}

/** A neuron's weights from the input image, as an image: what pattern excites it.
 * @param {HTMLCanvasElement} canvas @param {Float32Array} weights */
export function paintWeights(canvas, weights) {
  const largest = weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0) || 1;
  paintImage(canvas, (image) => weights.forEach((w, i) => image.data.set([...diverging(w / largest), 255], i * 4)));
}
