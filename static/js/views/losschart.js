// @ts-check
/** Training and test loss against the step count, on a y axis from 0 to the largest loss, and
 * under it the penalty that training adds to the data loss. */
import { num } from '../format.js';
import { t } from '../i18n.js';
import { changed, part } from './dom.js';

const TRAIN = '#1f2933';
const TEST = '#0877bd';

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
    const pad = 4 * ratio;
    const labelSpace = 14 * ratio;
    const top = Math.max(...finite.map((r) => Math.max(r[1], r[2]))) * 1.05 || 1;
    const first = finite[0][0];
    const span = Math.max(1, finite[finite.length - 1][0] - first);
    const x = (/** @type {number} */ step) => pad + ((step - first) / span) * (width - 2 * pad);
    const y = (/** @type {number} */ loss) => height - pad - (loss / top) * (height - pad - labelSpace);
    for (const [column, color] of /** @type {[1 | 2, string][]} */ ([[2, TEST], [1, TRAIN]])) {
      context.beginPath();
      finite.forEach((row, i) => (i ? context.lineTo : context.moveTo).call(context, x(row[0]), y(row[column])));
      context.strokeStyle = color;
      context.lineWidth = 1.5 * ratio;
      context.stroke();
    }
    context.fillStyle = '#52606d';
    context.font = `${10 * ratio}px system-ui, sans-serif`;
    context.fillText(num(top, 3), pad, labelSpace - 3 * ratio);
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    const frame = state.frame;
    if (!changed(shown, [frame, state.history]) || !frame) return;
    draw(state.history);
    penalty.hidden = !(frame.penalty > 0);
    penalty.textContent = t('out.lossPlusPenalty', { loss: num(frame.train_loss), penalty: num(frame.penalty) });
  }

  return { update };
}
