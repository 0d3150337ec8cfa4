// @ts-check
/** What the small plots (regression curve, predicted against actual) share: colours, round
 * tick values, an axis range that follows the network without losing the data, and canvases
 * sized to the screen. */
import { num } from './format.js';

export const INK = '#1f2933';
export const MUTED = '#52606d';
export const GRID = '#edf0f3';
export const AXIS = '#9aa5b1';
export const FONT = '11px system-ui, sans-serif';
// Share of the range added on each side, so that no point sits on the frame.
const PAD = 0.08;

/** Tick values at 1, 2 or 5 × 10ⁿ apart (whichever is nearest to `target` ticks between lo
 * and hi), so that labels are round numbers. */
export function ticks(/** @type {number} */ lo, /** @type {number} */ hi, target = 5) {
  const rough = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const distance = (/** @type {number} */ s) => Math.abs(Math.log(s / rough));
  const step = [1, 2, 5, 10].map((m) => m * power).reduce((a, b) => (distance(b) < distance(a) ? b : a));
  const values = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return values;
}

/** The data's range, widened for network values that leave it but never beyond one data span
 * each way (so that a wild network cannot squash the data into a line), then padded.
 * @returns {[number, number]} */
export function widened(/** @type {[number, number]} */ range, /** @type {Float32Array} */ values) {
  const span = range[1] - range[0] || 1;
  let [lo, hi] = range;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  lo = Math.max(lo, range[0] - span);
  hi = Math.min(hi, range[1] + span);
  const pad = PAD * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** A tick label, with a true minus sign rather than a hyphen. */
export function tickLabel(/** @type {number} */ v) {
  return num(v, 3).replace('-', '−');
}

/** Backing pixels follow the displayed size and the screen's pixel ratio; drawing is then done
 * in CSS pixels. Returns the displayed width and height. */
export function fitToScreen(/** @type {HTMLCanvasElement} */ canvas, /** @type {number} */ fallbackWidth,
  /** @type {number} */ fallbackHeight) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || fallbackWidth;
  const height = canvas.clientHeight || fallbackHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { width, height };
}

/** A straight line in one colour. */
export function line(/** @type {CanvasRenderingContext2D} */ context, /** @type {number} */ x0,
  /** @type {number} */ y0, /** @type {number} */ x1, /** @type {number} */ y1, /** @type {string} */ colour) {
  context.strokeStyle = colour;
  context.beginPath();
  context.moveTo(x0, y0);
  context.lineTo(x1, y1);
  context.stroke();
}
