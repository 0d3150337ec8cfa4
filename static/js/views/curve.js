// @ts-check
/** Regression on one input: the data as points and the network's prediction as a line over the
 * whole input range, so that one sees it bend towards the data (and where it overfits between
 * training points). Test points are shown only on request, like on the boundary. */
import { num } from '../format.js';
import { t } from '../i18n.js';

/**
 * @typedef {{ train: { x: number[], y: number[] }, test: { x: number[], y: number[] },
 *             xRange: [number, number], yRange: [number, number], xName: string, yName: string }} CurveSetup
 */

const INK = '#1f2933';
const MUTED = '#52606d';
const GRID = '#edf0f3';
const AXIS = '#9aa5b1';
const TEST = '#0877bd';
const CURVE = '#f59322';
const FONT = '11px system-ui, sans-serif';
// Plot margins in CSS pixels: legend on top, tick labels left and below, the x name under them.
const MARGIN = { top: 22, right: 10, bottom: 34, left: 28 };
// Share of the y range added above and below, so that no point sits on the frame.
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

/** The y axis: the data's range, widened for a curve that leaves it but never beyond one data
 * span above and below (so that a wild curve cannot squash the data into a line), then padded
 * so that no point sits on the frame. */
function yAxis(/** @type {[number, number]} */ range, /** @type {Float32Array} */ curve) {
  const span = range[1] - range[0] || 1;
  let [lo, hi] = range;
  for (const v of curve) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  lo = Math.max(lo, range[0] - span);
  hi = Math.min(hi, range[1] + span);
  const pad = PAD * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/** Smaller dots when there are many, so that a dense sample still shows its shape. */
function dotRadius(/** @type {number} */ n) {
  return n > 150 ? 2.3 : 3.2;
}

/** A tick label, with a true minus sign rather than a hyphen. */
function label(/** @type {number} */ v) {
  return num(v, 3).replace('-', '−');
}

/** @param {HTMLCanvasElement} canvas */
export function createCurveView(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  canvas.classList.add('curve-plot');
  canvas.setAttribute('role', 'img');
  /** @type {CurveSetup | null} */
  let setup = null;

  /** Backing pixels follow the displayed size and the screen's pixel ratio; drawing is then
   * done in CSS pixels. Returns the displayed width and height. */
  function fitToScreen() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 320;
    const height = canvas.clientHeight || 240;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { width, height };
  }

  /** @param {CurveSetup} next */
  function reset(next) {
    setup = next;
    canvas.setAttribute('aria-label', t('results.curve.label', { x: next.xName, y: next.yName }));
    update(new Float32Array(0), false);
  }

  /** Grid lines and tick labels at round values, the frame, and both axis names. */
  function axes(/** @type {Scale} */ s, /** @type {CurveSetup} */ data) {
    context.font = FONT;
    context.lineWidth = 1;
    context.fillStyle = MUTED;
    context.textAlign = 'center';
    context.textBaseline = 'top';
    for (const v of ticks(s.x0, s.x1, Math.max(2, Math.round(s.width / 55)))) {
      const x = Math.round(s.x(v)) + 0.5;
      line(x, s.top, x, s.bottom, GRID);
      context.fillText(label(v), x, s.bottom + 4);
    }
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    for (const v of s.yTicks) {
      const y = Math.round(s.y(v)) + 0.5;
      line(s.left, y, s.right, y, GRID);
      context.fillText(label(v), s.left - 5, y);
    }
    line(s.left + 0.5, s.top, s.left + 0.5, s.bottom, AXIS);
    line(s.left, s.bottom + 0.5, s.right, s.bottom + 0.5, AXIS);
    context.fillStyle = INK;
    context.textAlign = 'center';
    context.textBaseline = 'bottom';
    context.fillText(data.xName, (s.left + s.right) / 2, s.bottom + MARGIN.bottom);
    context.textAlign = 'left';
    context.fillText(data.yName, 4, s.top - 6);
  }

  function line(/** @type {number} */ x0, /** @type {number} */ y0, /** @type {number} */ x1,
    /** @type {number} */ y1, /** @type {string} */ colour) {
    context.strokeStyle = colour;
    context.beginPath();
    context.moveTo(x0, y0);
    context.lineTo(x1, y1);
    context.stroke();
  }

  /** @param {Scale} s @param {{ x: number[], y: number[] }} points @param {string} fill */
  function dots(s, points, fill) {
    context.fillStyle = fill;
    context.strokeStyle = 'rgba(255,255,255,0.9)';
    context.lineWidth = 1;
    const radius = dotRadius(points.x.length);
    points.x.forEach((x, i) => {
      context.beginPath();
      context.arc(s.x(x), s.y(points.y[i]), radius, 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    });
  }

  /** The prediction as one thick line; a NaN (a diverged network) leaves a gap. */
  function prediction(/** @type {Scale} */ s, /** @type {Float32Array} */ curve) {
    if (curve.length < 2) return;
    const [x0, x1] = /** @type {CurveSetup} */ (setup).xRange;
    context.strokeStyle = CURVE;
    context.lineWidth = 3;
    context.lineJoin = 'round';
    context.lineCap = 'round';
    context.beginPath();
    let drawing = false;
    curve.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        drawing = false;
        return;
      }
      const x = s.x(x0 + ((x1 - x0) * i) / (curve.length - 1));
      if (drawing) context.lineTo(x, s.y(v));
      else context.moveTo(x, s.y(v));
      drawing = true;
    });
    context.stroke();
  }

  /** Legend entries: text, colour, and whether the mark is a dot or a line. */
  function legendItems(/** @type {boolean} */ showTest) {
    /** @type {[string, string, boolean][]} */
    const items = [[t('results.curve.train'), INK, true]];
    if (showTest) items.push([t('results.curve.test'), TEST, true]);
    items.push([t('results.curve.prediction'), CURVE, false]);
    return items;
  }

  /** Width of one legend entry: its mark, a gap, its text. */
  const entryWidth = (/** @type {string} */ text, /** @type {boolean} */ dot) =>
    (dot ? 9 : 16) + 4 + context.measureText(text).width;

  /** Which mark is which, right-aligned in the band above the plot. */
  function legend(/** @type {[string, string, boolean][]} */ items, /** @type {number} */ right) {
    context.textAlign = 'left';
    context.textBaseline = 'middle';
    const y = 10;
    let x = right;
    for (const [text, colour, dot] of [...items].reverse()) {
      x -= entryWidth(text, dot);
      context.fillStyle = colour;
      if (dot) {
        context.beginPath();
        context.arc(x + 4, y, 3.2, 0, 2 * Math.PI);
        context.fill();
      } else context.fillRect(x, y - 1.5, 16, 3);
      context.fillStyle = MUTED;
      context.fillText(text, x + (dot ? 13 : 20), y);
      x -= 12;
    }
  }

  /** The band above the plot holds the y axis name and the legend: on one line when they fit,
   * else the legend goes on a line of its own. Returns the plot's top. */
  function header(/** @type {[string, string, boolean][]} */ items, /** @type {number} */ width) {
    context.font = FONT;
    const legendWidth = items.reduce((sum, [text, , dot]) => sum + entryWidth(text, dot) + 12, -12);
    const nameWidth = context.measureText(/** @type {CurveSetup} */ (setup).yName).width;
    return 4 + nameWidth + 16 + legendWidth <= width - MARGIN.right ? MARGIN.top : MARGIN.top + 16;
  }

  /**
   * @param {Float32Array} curve predictions at curve.length evenly spaced x over xRange, inclusive
   * @param {boolean} showTest
   */
  function update(curve, showTest) {
    if (!setup) return;
    const { width, height } = fitToScreen();
    context.clearRect(0, 0, width, height);
    const items = legendItems(showTest);
    const top = header(items, width);
    const xSpan = setup.xRange[1] - setup.xRange[0] || 1;
    const [y0, y1] = yAxis(setup.yRange, curve);
    const yTicks = ticks(y0, y1, Math.max(2, Math.round((height - top - MARGIN.bottom) / 40)));
    const left = Math.max(MARGIN.left, 9 + Math.max(...yTicks.map((v) => context.measureText(label(v)).width)));
    const s = scale({ left, top, right: width - MARGIN.right, bottom: height - MARGIN.bottom },
      [setup.xRange[0] - 0.03 * xSpan, setup.xRange[1] + 0.03 * xSpan], [y0, y1], yTicks);
    axes(s, setup);
    context.save();
    context.beginPath();
    context.rect(s.left, s.top, s.right - s.left, s.bottom - s.top);
    context.clip();
    dots(s, setup.train, 'rgba(31,41,51,0.8)');
    if (showTest) dots(s, setup.test, TEST);
    prediction(s, curve);
    context.restore();
    legend(items, s.right);
  }

  return { reset, update };
}

/**
 * @typedef {{ left: number, right: number, top: number, bottom: number, width: number,
 *             height: number, x0: number, x1: number, y0: number, y1: number, yTicks: number[],
 *             x: (v: number) => number, y: (v: number) => number }} Scale
 */

/** From data units to CSS pixels inside the plot's box. @returns {Scale} */
function scale(/** @type {{ left: number, top: number, right: number, bottom: number }} */ box,
  /** @type {number[]} */ [x0, x1], /** @type {number[]} */ [y0, y1], /** @type {number[]} */ yTicks) {
  const { left, top, right, bottom } = box;
  return {
    left, right, top, bottom, width: right - left, height: bottom - top, x0, x1, y0, y1, yTicks,
    x: (v) => left + ((v - x0) / (x1 - x0)) * (right - left),
    y: (v) => bottom - ((v - y0) / (y1 - y0)) * (bottom - top),
  };
}
