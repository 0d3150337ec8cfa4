// @ts-check
/** Data points on a square canvas showing [-extent, extent]², coloured by class. */
import { css } from './colors.js';

/**
 * @param {CanvasRenderingContext2D} context
 * @param {import('./protocol.js').Points} points
 * @param {number} extent
 * @param {string} edge stroke colour around each point
 */
export function drawPoints(context, points, extent, edge) {
  const side = context.canvas.width;
  const scale = side / (2 * extent);
  const radius = Math.max(2.5, side / 110);
  context.lineWidth = Math.max(0.5, radius / 3);
  context.strokeStyle = edge;
  points.x1.forEach((x1, i) => {
    context.beginPath();
    context.arc((x1 + extent) * scale, (extent - points.x2[i]) * scale, radius, 0, 2 * Math.PI);
    context.fillStyle = css(points.label[i] > 0.5 ? 1 : -1);
    context.fill();
    context.stroke();
  });
}
