// @ts-check
/** The decision boundary: the server's output map over the plane, upsampled smoothly, with the
 * data points on top (training points white-edged, test points dark-edged). */
import { MAP_LUT } from '../colors.js';
import { drawPoints } from '../points.js';

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

  /** Backing pixels follow the displayed size and the screen's pixel ratio. */
  function fitToScreen() {
    const side = Math.round((canvas.clientWidth || 320) * (window.devicePixelRatio || 1));
    if (canvas.width !== side) {
      canvas.width = side;
      canvas.height = side;
    }
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
    fitToScreen();
    const pixels = image.data;
    frame.grid.forEach((v, i) => pixels.set(MAP_LUT.subarray(v * 4, v * 4 + 4), i * 4));
    cellContext.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.drawImage(cells, 0, 0, canvas.width, canvas.height);
    drawPoints(context, layout.train, layout.extent, 'rgba(255,255,255,0.9)');
    if (showTest) drawPoints(context, layout.test, layout.extent, 'rgba(20,20,20,0.9)');
  }

  function setShowTest(/** @type {boolean} */ value) {
    showTest = value;
  }

  return { reset, update, setShowTest };
}
