// @ts-check
/** Predicted against actual for regression on a table: one dot per test example, with the
 * diagonal y = x where a perfect network would put them all. Both axes share one range, so that
 * distance from the diagonal is the error; R² sums up how close the dots are. */
import { num } from '../format.js';
import { t } from '../i18n.js';

const INK = '#1f2933';
const MUTED = '#52606d';
const GRID = '#edf0f3';
const AXIS = '#9aa5b1';
const DOT = 'rgba(8,119,189,0.7)';
const FONT = '11px system-ui, sans-serif';
const MARGIN = { top: 22, right: 12, bottom: 34, left: 28 };
// Share of the range added on each side, so that no dot sits on the frame.
const PAD = 0.08;

/** Tick values at 1, 2 or 5 × 10ⁿ apart (whichever is nearest to `target` ticks between lo
 * and hi), so that labels are round numbers. */
function ticks(/** @type {number} */ lo, /** @type {number} */ hi, target = 5) {
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

/** The shared range: the targets', widened for predictions that leave it but by at most one
 * span each way (so that a few wild predictions cannot squash the rest onto a point), then
 * padded so that no dot sits on the frame. */
function range(/** @type {[number, number]} */ yRange, /** @type {Float32Array} */ predictions) {
  const span = yRange[1] - yRange[0] || 1;
  let [lo, hi] = yRange;
  for (const v of predictions) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  lo = Math.max(lo, yRange[0] - span);
  hi = Math.min(hi, yRange[1] + span);
  const pad = PAD * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** 1 − residual sum of squares / total sum of squares, or NaN when it is undefined. */
function rSquared(/** @type {number[]} */ targets, /** @type {Float32Array} */ predictions) {
  const n = Math.min(targets.length, predictions.length);
  if (n < 2) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i += 1) mean += targets[i] / n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i += 1) {
    residual += (targets[i] - predictions[i]) ** 2;
    total += (targets[i] - mean) ** 2;
  }
  return total > 0 ? 1 - residual / total : NaN;
}

/** A tick label, with a true minus sign rather than a hyphen. */
function label(/** @type {number} */ v) {
  return num(v, 3).replace('-', '−');
}

/** @param {HTMLCanvasElement} canvas */
export function createParityView(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  canvas.classList.add('parity-plot');
  canvas.setAttribute('role', 'img');
  /** @type {{ targets: number[], yRange: [number, number], name: string } | null} */
  let setup = null;

  /** Backing pixels follow the displayed size and the screen's pixel ratio; drawing is then
   * done in CSS pixels. Returns the displayed width and height. */
  function fitToScreen() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 300;
    const height = canvas.clientHeight || 300;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { width, height };
  }

  /** @param {{ targets: number[], yRange: [number, number], name: string }} next */
  function reset(next) {
    setup = next;
    canvas.setAttribute('aria-label', t('results.parity.label', { name: next.name }));
    update(new Float32Array(0));
  }

  function line(/** @type {number} */ x0, /** @type {number} */ y0, /** @type {number} */ x1,
    /** @type {number} */ y1, /** @type {string} */ colour) {
    context.strokeStyle = colour;
    context.beginPath();
    context.moveTo(x0, y0);
    context.lineTo(x1, y1);
    context.stroke();
  }

  /** Grid and tick labels (the same values on both axes), the frame, and the axis names. */
  function axes(/** @type {Square} */ s, /** @type {string} */ name) {
    context.font = FONT;
    context.lineWidth = 1;
    context.fillStyle = MUTED;
    for (const v of s.ticks) {
      const x = Math.round(s.x(v)) + 0.5;
      const y = Math.round(s.y(v)) + 0.5;
      line(x, s.top, x, s.top + s.side, GRID);
      line(s.left, y, s.left + s.side, y, GRID);
      context.textAlign = 'center';
      context.textBaseline = 'top';
      context.fillText(label(v), x, s.top + s.side + 4);
      context.textAlign = 'right';
      context.textBaseline = 'middle';
      context.fillText(label(v), s.left - 5, y);
    }
    line(s.left + 0.5, s.top, s.left + 0.5, s.top + s.side, AXIS);
    line(s.left, s.top + s.side + 0.5, s.left + s.side, s.top + s.side + 0.5, AXIS);
    context.fillStyle = INK;
    context.textAlign = 'center';
    context.textBaseline = 'bottom';
    context.fillText(t('results.parity.actual', { name }), s.left + s.side / 2, s.top + s.side + MARGIN.bottom);
    context.textAlign = 'left';
    context.fillText(t('results.parity.predicted', { name }), 4, s.top - 6);
  }

  /** The diagonal y = x, where every dot of a perfect network would lie. */
  function diagonal(/** @type {Square} */ s) {
    context.save();
    context.setLineDash([5, 4]);
    context.lineWidth = 1.5;
    line(s.x(s.lo), s.y(s.lo), s.x(s.hi), s.y(s.hi), MUTED);
    context.restore();
  }

  /** @param {Square} s @param {number[]} targets @param {Float32Array} predictions */
  function dots(s, targets, predictions) {
    context.fillStyle = DOT;
    context.strokeStyle = 'rgba(255,255,255,0.9)';
    context.lineWidth = 1;
    const n = Math.min(targets.length, predictions.length);
    // Smaller dots when there are many, so that a dense cloud still shows its shape.
    const radius = n > 150 ? 2.3 : 3.2;
    for (let i = 0; i < n; i += 1) {
      if (!Number.isFinite(predictions[i])) continue;
      context.beginPath();
      context.arc(s.x(targets[i]), s.y(predictions[i]), radius, 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    }
  }

  /** R² in the top-left corner, where a good fit leaves the plot empty. */
  function score(/** @type {Square} */ s, /** @type {number} */ r2) {
    if (!Number.isFinite(r2)) return;
    const text = t('results.parity.r2', { value: num(r2, 3).replace('-', '−') });
    context.font = `600 ${FONT}`;
    context.textAlign = 'left';
    context.textBaseline = 'top';
    context.fillStyle = 'rgba(255,255,255,0.85)';
    context.fillRect(s.left + 3, s.top + 3, context.measureText(text).width + 6, 17);
    context.fillStyle = INK;
    context.fillText(text, s.left + 6, s.top + 6);
  }

  /** @param {Float32Array} predictions one per target, in the same order */
  function update(predictions) {
    if (!setup) return;
    const { width, height } = fitToScreen();
    context.clearRect(0, 0, width, height);
    const [lo, hi] = range(setup.yRange, predictions);
    const roughSide = Math.min(width - MARGIN.left - MARGIN.right, height - MARGIN.top - MARGIN.bottom);
    const values = ticks(lo, hi, Math.max(2, Math.round(roughSide / 45)));
    context.font = FONT;
    const left = Math.max(MARGIN.left, 9 + Math.max(...values.map((v) => context.measureText(label(v)).width)));
    const s = square(width, height, left, [lo, hi], values);
    axes(s, setup.name);
    diagonal(s);
    context.save();
    context.beginPath();
    context.rect(s.left, s.top, s.side, s.side);
    context.clip();
    dots(s, setup.targets, predictions);
    context.restore();
    score(s, rSquared(setup.targets, predictions));
  }

  return { reset, update };
}

/**
 * @typedef {{ left: number, top: number, side: number, lo: number, hi: number, ticks: number[],
 *             x: (v: number) => number, y: (v: number) => number }} Square
 */

/** The largest square plot that fits right of `left` and inside the other margins, centred,
 * both axes from lo to hi. @returns {Square} */
function square(/** @type {number} */ width, /** @type {number} */ height, /** @type {number} */ left,
  /** @type {number[]} */ [lo, hi], /** @type {number[]} */ values) {
  const room = width - left - MARGIN.right;
  const side = Math.max(10, Math.min(room, height - MARGIN.top - MARGIN.bottom));
  const top = MARGIN.top;
  const to = (/** @type {number} */ v) => ((v - lo) / (hi - lo)) * side;
  const x0 = left + (room - side) / 2;
  return { left: x0, top, side, lo, hi, ticks: values, x: (v) => x0 + to(v), y: (v) => top + side - to(v) };
}
