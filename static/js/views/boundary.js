// @ts-check
/** The decision boundary: the server's output map over the plane, upsampled smoothly, with the
 * data points on top (training points white-edged, test points dark-edged). A click on a
 * training point picks it: the diagram and inspector then follow that one example. */
import { classRgb, MAP_LUT } from '../colors.js';
import { drawPoints, pointColour } from '../points.js';

// Regions are drawn paler than their points, as the binary map is (colors.js MAP_STRENGTH).
const REGION_STRENGTH = 0.7;
const PAPER = [247, 248, 250];

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Frame} Frame */

// How far from a training point (CSS pixels) a click still picks it.
const PICK_RADIUS = 12;

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{ onPick: (sample: number) => void }} actions
 */
export function createBoundaryView(canvas, actions) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const cells = document.createElement('canvas');
  const cellContext = /** @type {CanvasRenderingContext2D} */ (cells.getContext('2d'));
  /** @type {Layout | null} */
  let layout = null;
  /** @type {ImageData | null} */
  let image = null;
  /** @type {Uint8Array | null} the output map the cells show */
  let painted = null;

  canvas.addEventListener('click', (event) => {
    const shown = layout;
    if (!shown) return;
    const box = canvas.getBoundingClientRect();
    const scale = box.width / (2 * shown.extent);
    const x1 = (event.clientX - box.left) / scale - shown.extent;
    const x2 = shown.extent - (event.clientY - box.top) / scale;
    let best = -1;
    let bestDistance = PICK_RADIUS / scale;
    shown.train.x1.forEach((p1, i) => {
      const distance = Math.hypot(p1 - x1, shown.train.x2[i] - x2);
      if (distance < bestDistance) [best, bestDistance] = [i, distance];
    });
    if (best >= 0) actions.onPick(best);
  });

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
    painted = null;
    cells.width = next.grid_size;
    cells.height = next.grid_size;
    image = cellContext.createImageData(next.grid_size, next.grid_size);
    fitToScreen();
  }

  /** @param {Frame} frame @param {boolean} showTest whether the test points show too */
  function update(frame, showTest) {
    if (!layout || !image) return;
    fitToScreen();
    // The output map comes in every other frame or so: the cells are painted when it is new.
    if (frame.grid && frame.grid !== painted) {
      if (layout.view === 'regions') paintRegions(frame.grid, layout.class_names.length);
      else paintValues(frame.grid);
      cellContext.putImageData(image, 0, 0);
      painted = frame.grid;
    }
    context.imageSmoothingEnabled = true;
    context.drawImage(cells, 0, 0, canvas.width, canvas.height);
    const colour = pointColour(layout.task, layout.y_range);
    drawPoints(context, layout.train, layout.extent, 'rgba(255,255,255,0.9)', colour);
    if (showTest) drawPoints(context, layout.test, layout.extent, 'rgba(20,20,20,0.9)', colour);
    if (frame.sample !== null) ring(frame.sample);
  }

  /** Circle the picked example so that it is found again at a glance. */
  function ring(/** @type {number} */ i) {
    if (!layout) return;
    const scale = canvas.width / (2 * layout.extent);
    const x = (layout.train.x1[i] + layout.extent) * scale;
    const y = (layout.extent - layout.train.x2[i]) * scale;
    context.lineWidth = Math.max(2, canvas.width / 160);
    for (const [colour, radius] of /** @type {[string, number][]} */ ([['#fff', 3.4], ['#1f2933', 2.4]])) {
      context.strokeStyle = colour;
      context.beginPath();
      context.arc(x, y, (canvas.width / 110) * radius, 0, 2 * Math.PI);
      context.stroke();
    }
  }

  /** One byte per cell on the diverging scale: P(class 1), or a regression output's level. */
  function paintValues(/** @type {Uint8Array} */ grid) {
    const pixels = /** @type {ImageData} */ (image).data;
    grid.forEach((v, i) => pixels.set(MAP_LUT.subarray(v * 4, v * 4 + 4), i * 4));
  }

  /** Each cell in its class's colour, from paper white at chance to full at certainty. */
  function paintRegions(/** @type {Uint8Array} */ grid, /** @type {number} */ k) {
    const pixels = /** @type {ImageData} */ (image).data;
    const count = grid.length / 2;
    for (let i = 0; i < count; i += 1) {
      const rgb = classRgb(grid[i]);
      const sure = Math.max(0, (grid[count + i] / 255 - 1 / k) / (1 - 1 / k)) * REGION_STRENGTH;
      for (let c = 0; c < 3; c += 1) pixels[i * 4 + c] = PAPER[c] + (rgb[c] - PAPER[c]) * sure;
      pixels[i * 4 + 3] = 255;
    }
  }

  return { reset, update };
}
