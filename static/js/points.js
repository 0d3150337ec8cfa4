// @ts-check
/** Data points on a square canvas showing [-extent, extent]², coloured by class or value. */
import { classColor, css } from './colors.js';

/**
 * How a point's label becomes a colour: binary classes orange/blue, several classes their own
 * hues, regression targets on the diverging scale across their range.
 * @param {string} task
 * @param {[number, number]} [range] the targets' range, for regression
 * @returns {(label: number) => string}
 */
export function pointColour(task, range = [0, 1]) {
  if (task === 'multiclass') return (label) => classColor(label);
  if (task === 'regression') {
    const [low, high] = range;
    const half = Math.max((high - low) / 2, 1e-12);
    return (label) => css((label - (low + high) / 2) / half);
  }
  return (label) => css(label > 0.5 ? 1 : -1);
}

/**
 * @param {CanvasRenderingContext2D} context
 * @param {import('./protocol.js').Points} points
 * @param {number} extent
 * @param {string} edge stroke colour around each point
 * @param {(label: number) => string} [colour]
 */
export function drawPoints(context, points, extent, edge, colour = pointColour('binary')) {
  const side = context.canvas.width;
  const scale = side / (2 * extent);
  const radius = Math.max(2.5, side / 110);
  context.lineWidth = Math.max(0.5, radius / 3);
  context.strokeStyle = edge;
  points.x1.forEach((x1, i) => {
    context.beginPath();
    context.arc((x1 + extent) * scale, (extent - points.x2[i]) * scale, radius, 0, 2 * Math.PI);
    context.fillStyle = colour(points.label[i]);
    context.fill();
    context.stroke();
  });
}

/** An 8×8 grey image (values in [0, 1], 1 = ink) filling a canvas. */
export function drawPixels(/** @type {CanvasRenderingContext2D} */ context, /** @type {number[]} */ pixels) {
  const side = context.canvas.width / 8;
  pixels.forEach((v, i) => {
    const shade = Math.round(255 * (1 - v));
    context.fillStyle = `rgb(${shade},${shade},${shade})`;
    context.fillRect((i % 8) * side, Math.floor(i / 8) * side, side + 0.5, side + 0.5);
  });
}
