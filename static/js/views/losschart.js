// @ts-check
/** Training and test loss against the step count, on axes from 0 to the largest loss and from
 * the first recorded update to the last, and
 * under it the penalty that training adds to the data loss. */
import { count, num } from '../format.js';
import { t } from '../i18n.js';
import { changed, part } from './dom.js';

const TRAIN = '#1f2933';
const TEST = '#0877bd';
const AXIS = '#52606d';

/** @typedef {import('../protocol.js').HistoryRow} HistoryRow */

/** @param {HTMLElement} root the chart's figure and the penalty note */
export function createLossChart(root) {
  const canvas = /** @type {HTMLCanvasElement} */ (part(root, '#loss-chart'));
  const penalty = part(root, '#penalty-note');
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  /** @type {unknown[]} */
  const shown = [];

  /** Backing pixels follow the displayed size and the screen's pixel ratio; returns the ratio. */
  function fitToScreen() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round((canvas.clientWidth || 320) * ratio);
    const height = Math.round((canvas.clientHeight || 110) * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    return ratio;
  }

  /** @param {HistoryRow[]} rows */
  function draw(rows) {
    const ratio = fitToScreen();
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    const finite = /** @type {[number, number, number][]} */ (rows.filter((r) => Number.isFinite(r[1]) && Number.isFinite(r[2])));
    if (finite.length === 0) return;
    const top = Math.max(...finite.map((r) => Math.max(r[1], r[2]))) * 1.05 || 1;
    const first = finite[0][0];
    const last = finite[finite.length - 1][0];
    // The canvas's own CSS font size: presenter mode enlarges the ticks with the rest of its type.
    const font = (parseFloat(getComputedStyle(canvas).fontSize) || 10) * ratio;
    context.font = `${font}px system-ui, sans-serif`;
    const left = Math.max(...[top, top / 2].map((v) => context.measureText(num(v, 3)).width)) + 6 * ratio;
    const box = { left, right: width - 4 * ratio, top: font, bottom: height - font - 6 * ratio };
    const x = (/** @type {number} */ step) => box.left + ((step - first) / Math.max(1, last - first)) * (box.right - box.left);
    const y = (/** @type {number} */ loss) => box.bottom - (loss / top) * (box.bottom - box.top);
    const steps = /** @type {[number, number][]} */ (last > first ? [[first, x(first)], [last, x(last)]] : [[first, x(first)]]);
    // The middle tick only where three fit one above the other (a short chart keeps 0 and the top).
    const losses = box.bottom - box.top >= 3 * font ? [0, top / 2, top] : [0, top];
    axes(box, ratio, losses.map((v) => /** @type {[number, number]} */ ([v, y(v)])), steps);
    for (const [column, color] of /** @type {[1 | 2, string][]} */ ([[2, TEST], [1, TRAIN]])) {
      context.beginPath();
      finite.forEach((row, i) => (i ? context.lineTo : context.moveTo).call(context, x(row[0]), y(row[column])));
      context.strokeStyle = color;
      context.lineWidth = 1.5 * ratio;
      context.stroke();
    }
  }

  /** The axes: loss C from 0 up (left), updates from the first row to the last (below).
   * @param {{ left: number, right: number, top: number, bottom: number }} box @param {number} ratio
   * @param {[number, number][]} yTicks value and position @param {[number, number][]} xTicks */
  function axes(box, ratio, yTicks, xTicks) {
    context.strokeStyle = AXIS;
    context.fillStyle = AXIS;
    context.lineWidth = ratio;
    context.beginPath();
    context.moveTo(box.left, box.top);
    context.lineTo(box.left, box.bottom);
    context.lineTo(box.right, box.bottom);
    context.stroke();
    context.textBaseline = 'middle';
    context.textAlign = 'right';
    for (const [value, at] of yTicks) context.fillText(num(value, 3), box.left - 3 * ratio, at);
    context.textBaseline = 'top';
    xTicks.forEach(([step, at], i) => {
      context.textAlign = i === 0 ? 'left' : 'right';
      context.fillText(i === 0 ? count(step) : t('out.axisSteps', { n: count(step) }), at, box.bottom + 3 * ratio);
    });
    context.textAlign = 'left';
    context.textBaseline = 'alphabetic';
  }

  /** @type {HistoryRow[]} */
  let drawn = [];
  // A new size (presenter mode, a rotated phone) redraws at once, not at the next row.
  new ResizeObserver(() => draw(drawn)).observe(canvas);

  /** @param {import('../store.js').State} state */
  function update(state) {
    const frame = state.frame;
    if (!changed(shown, [frame, state.history]) || !frame) return;
    drawn = state.history;
    draw(drawn);
    penalty.hidden = !(frame.penalty > 0);
    penalty.textContent = t('out.lossPlusPenalty', { loss: num(frame.train_loss), penalty: num(frame.penalty) });
  }

  return { update };
}
