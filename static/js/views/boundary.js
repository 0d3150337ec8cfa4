// @ts-check
/** The decision boundary: the server's output map over the plane, upsampled smoothly, with the
 * data points on top (training points white-edged, test points dark-edged). */
import { MAP_LUT, css } from '../colors.js';

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Frame} Frame */

/** @param {HTMLCanvasElement} canvas */
export function createBoundaryView(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const cells = document.createElement('canvas');
  const cellContext = /** @type {CanvasRenderingContext2D} */ (cells.getContext('2d'));
  /** @type {Layout | null} */
  let layout = null;
  /** @type {ImageData | null} */
  let image = null;
  let showTest = false;

  function fitToScreen() {
    const ratio = window.devicePixelRatio || 1;
    const side = canvas.clientWidth || 320;
    canvas.width = Math.round(side * ratio);
    canvas.height = Math.round(side * ratio);
  }

  function reset(/** @type {Layout} */ next) {
    layout = next;
    cells.width = next.grid_size;
    cells.height = next.grid_size;
    image = cellContext.createImageData(next.grid_size, next.grid_size);
    fitToScreen();
  }

  /** @param {Frame} frame */
  function update(frame) {
    if (!layout || !image) return;
    const pixels = image.data;
    frame.grid.forEach((v, i) => pixels.set(MAP_LUT.subarray(v * 4, v * 4 + 4), i * 4));
    cellContext.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.drawImage(cells, 0, 0, canvas.width, canvas.height);
    drawPoints(layout.train, 'rgba(255,255,255,0.9)');
    if (showTest) drawPoints(layout.test, 'rgba(20,20,20,0.9)');
  }

  /** @param {import('../protocol.js').Points} points @param {string} edge */
  function drawPoints(points, edge) {
    if (!layout) return;
    const scale = canvas.width / (2 * layout.extent);
    const radius = Math.max(2.5, canvas.width / 110);
    context.lineWidth = Math.max(1, radius / 3);
    context.strokeStyle = edge;
    points.x1.forEach((x1, i) => {
      context.beginPath();
      context.arc((x1 + layout.extent) * scale, (layout.extent - points.x2[i]) * scale, radius, 0, 2 * Math.PI);
      context.fillStyle = css(points.label[i] > 0.5 ? 1 : -1);
      context.fill();
      context.stroke();
    });
  }

  function setShowTest(/** @type {boolean} */ value) {
    showTest = value;
  }

  return { reset, update, setShowTest };
}
