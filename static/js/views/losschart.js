// @ts-check
/** Training and test loss against the step count, on a y axis from 0 to the largest loss. */
import { num } from '../format.js';

const TRAIN = '#1f2933';
const TEST = '#0877bd';

/** @param {HTMLCanvasElement} canvas */
export function createLossChart(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));

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

  /** @param {[number, number, number][]} rows */
  function update(rows) {
    const ratio = fitToScreen();
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    const finite = rows.filter((r) => Number.isFinite(r[1]) && Number.isFinite(r[2]));
    if (finite.length === 0) return;
    const pad = 4 * ratio;
    const labelSpace = 14 * ratio;
    const top = Math.max(...finite.map((r) => Math.max(r[1], r[2]))) * 1.05 || 1;
    const first = finite[0][0];
    const span = Math.max(1, finite[finite.length - 1][0] - first);
    const x = (step) => pad + ((step - first) / span) * (width - 2 * pad);
    const y = (loss) => height - pad - (loss / top) * (height - pad - labelSpace);
    for (const [column, color] of [[2, TEST], [1, TRAIN]]) {
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

  return { update };
}
