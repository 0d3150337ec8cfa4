// @ts-check
/** Predicted against actual for regression on a table: one dot per test example, with the
 * diagonal y = x where a perfect network would put them all. Both axes share one range, so that
 * distance from the diagonal is the error; R² sums up how close the dots are. */
import { t } from '../i18n.js';
import { AXIS, FONT, GRID, INK, MUTED, fitToScreen, line, tickLabel, ticks, widened } from '../plot.js';

const DOT = 'rgba(8,119,189,0.7)';
const MARGIN = { top: 22, right: 12, bottom: 34, left: 28 };

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

/** @param {HTMLCanvasElement} canvas */
export function createParityView(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  canvas.classList.add('parity-plot');
  canvas.setAttribute('role', 'img');
  /** @type {{ targets: number[], yRange: [number, number], name: string } | null} */
  let setup = null;

  /** @param {{ targets: number[], yRange: [number, number], name: string }} next */
  function reset(next) {
    setup = next;
    canvas.setAttribute('aria-label', t('results.parity.label', { name: next.name }));
    update(new Float32Array(0));
  }

  /** Grid and tick labels (the same values on both axes), the frame, and the axis names. */
  function axes(/** @type {Square} */ s, /** @type {string} */ name) {
    context.font = FONT;
    context.lineWidth = 1;
    context.fillStyle = MUTED;
    for (const v of s.ticks) {
      const x = Math.round(s.x(v)) + 0.5;
      const y = Math.round(s.y(v)) + 0.5;
      line(context, x, s.top, x, s.top + s.side, GRID);
      line(context, s.left, y, s.left + s.side, y, GRID);
      context.textAlign = 'center';
      context.textBaseline = 'top';
      context.fillText(tickLabel(v), x, s.top + s.side + 4);
      context.textAlign = 'right';
      context.textBaseline = 'middle';
      context.fillText(tickLabel(v), s.left - 5, y);
    }
    line(context, s.left + 0.5, s.top, s.left + 0.5, s.top + s.side, AXIS);
    line(context, s.left, s.top + s.side + 0.5, s.left + s.side, s.top + s.side + 0.5, AXIS);
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
    line(context, s.x(s.lo), s.y(s.lo), s.x(s.hi), s.y(s.hi), MUTED);
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
    const text = t('results.parity.r2', { value: tickLabel(r2) });
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
    const { width, height } = fitToScreen(canvas, 300, 300);
    context.clearRect(0, 0, width, height);
    const [lo, hi] = widened(setup.yRange, predictions);
    const roughSide = Math.min(width - MARGIN.left - MARGIN.right, height - MARGIN.top - MARGIN.bottom);
    const values = ticks(lo, hi, Math.max(2, Math.round(roughSide / 45)));
    context.font = FONT;
    const left = Math.max(MARGIN.left, 9 + Math.max(...values.map((v) => context.measureText(tickLabel(v)).width)));
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
