// @ts-check
/** Regression on one input: the data as points and the network's prediction as a line over the
 * whole input range, so that one sees it bend towards the data (and where it overfits between
 * training points). Test points are shown only on request, like on the boundary. */
import { t } from '../i18n.js';
import { AXIS, FONT, GRID, INK, MUTED, fitToScreen, line, tickLabel, ticks, widened } from '../plot.js';

/**
 * @typedef {{ train: { x: number[], y: number[] }, test: { x: number[], y: number[] },
 *             xRange: [number, number], yRange: [number, number], xName: string, yName: string }} CurveSetup
 */

const TEST = '#0877bd';
const CURVE = '#d96c00';
// Plot margins in CSS pixels: legend on top, tick labels left and below, the x name under them.
const MARGIN = { top: 22, right: 10, bottom: 34, left: 28 };

/** Smaller dots when there are many, so that a dense sample still shows its shape. */
function dotRadius(/** @type {number} */ n) {
  return n > 150 ? 2.3 : 3.2;
}

/** @param {HTMLCanvasElement} canvas */
export function createCurveView(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  canvas.classList.add('curve-plot');
  canvas.setAttribute('role', 'img');
  /** @type {CurveSetup | null} */
  let setup = null;

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
      line(context, x, s.top, x, s.bottom, GRID);
      context.fillText(tickLabel(v), x, s.bottom + 4);
    }
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    for (const v of s.yTicks) {
      const y = Math.round(s.y(v)) + 0.5;
      line(context, s.left, y, s.right, y, GRID);
      context.fillText(tickLabel(v), s.left - 5, y);
    }
    line(context, s.left + 0.5, s.top, s.left + 0.5, s.bottom, AXIS);
    line(context, s.left, s.bottom + 0.5, s.right, s.bottom + 0.5, AXIS);
    context.fillStyle = INK;
    context.textAlign = 'center';
    context.textBaseline = 'bottom';
    context.fillText(data.xName, (s.left + s.right) / 2, s.bottom + MARGIN.bottom);
    context.textAlign = 'left';
    context.fillText(data.yName, 4, s.top - 6);
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
    const { width, height } = fitToScreen(canvas, 320, 240);
    context.clearRect(0, 0, width, height);
    const items = legendItems(showTest);
    const top = header(items, width);
    const xSpan = setup.xRange[1] - setup.xRange[0] || 1;
    const [y0, y1] = widened(setup.yRange, curve);
    const yTicks = ticks(y0, y1, Math.max(2, Math.round((height - top - MARGIN.bottom) / 40)));
    const left = Math.max(MARGIN.left, 9 + Math.max(...yTicks.map((v) => context.measureText(tickLabel(v)).width)));
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
