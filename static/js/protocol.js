// @ts-check
/** Binary frames, read with the layout message that describes them (see app/snapshot.py). */

/**
 * @typedef {{ name: string, layer: number, offset: number, shape: number[] }} FieldSpec
 * @typedef {{ x1: number[], x2: number[], label: number[] }} Points
 * @typedef {{ version: number, sizes: number[], activations: string[], loss: string,
 *   task: string, input_kind: string, view: string, feature_names: string[],
 *   target_name: string, class_names: string[], y_range: [number, number],
 *   header_bytes: number, fields: FieldSpec[], grid_offset: number, grid_size: number,
 *   grid_bytes: number, map_offset: number, map_size: number, map_cells: number, extent: number,
 *   frame_bytes: number, train: Points, test: Points,
 *   gallery: { pixels: number[], label: number }[], parity_targets: number[] }} Layout
 * @typedef {{ W?: Float32Array, b?: Float32Array, dW?: Float32Array, db?: Float32Array,
 *   z?: Float32Array, a?: Float32Array, delta?: Float32Array }} LayerValues
 * @typedef {{ version: number, step: number, epoch: number, trainLoss: number,
 *   testLoss: number, trainAccuracy: number, testAccuracy: number, diverged: boolean,
 *   sample: number | null, stage: number | null, shownLoss: number, penalty: number,
 *   layers: LayerValues[], results: Record<string, Float32Array>, grid: Uint8Array,
 *   maps: Uint8Array[][] | null }} Frame
 * results: the result views' arrays (confusion, curve, gallery, parity) by name;
 * grid: the output over the plane (grid_bytes, see the layout).
 * sample: the picked training example (null: the next mini-batch); stage: the step-by-step
 * stage (null: not stepping); shownLoss: the loss of the examples the diagram shows;
 * maps[l][k]: neuron k of layer l over the plane, map_size² bytes, 128 neutral; frames carry
 * them at a lower rate than the numbers, and main.js fills in the latest ones.
 */

const FLAG_DIVERGED = 1;
const FLAG_MAPS = 2;
const RESULTS = new Set(['confusion', 'curve', 'gallery', 'parity']);

/**
 * @param {ArrayBuffer} buffer
 * @param {Layout} layout
 * @returns {Frame | null} null when the frame belongs to another layout or is cut short
 */
export function decodeFrame(buffer, layout) {
  const view = new DataView(buffer);
  const hasMaps = buffer.byteLength >= 32 && (view.getUint32(28, true) & FLAG_MAPS) !== 0;
  const expected = hasMaps ? layout.frame_bytes : layout.map_offset;
  if (buffer.byteLength !== expected || view.getUint32(0, true) !== layout.version) return null;
  /** @type {LayerValues[]} */
  const layers = layout.sizes.map(() => ({}));
  /** @type {Record<string, Float32Array>} */
  const results = {};
  for (const field of layout.fields) {
    const length = field.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(buffer, field.offset, length);
    if (RESULTS.has(field.name)) results[field.name] = values;
    else layers[field.layer][field.name] = values;
  }
  const mapCells = layout.map_cells;
  let offset = layout.map_offset;
  const maps = hasMaps && mapCells > 0 ? layout.sizes.map((n) => Array.from({ length: n }, () => {
    const map = new Uint8Array(buffer, offset, mapCells);
    offset += mapCells;
    return map;
  })) : null;
  const sample = view.getInt32(32, true);
  const stage = view.getInt32(36, true);
  return {
    version: layout.version,
    step: view.getUint32(4, true),
    epoch: view.getFloat32(8, true),
    trainLoss: view.getFloat32(12, true),
    testLoss: view.getFloat32(16, true),
    trainAccuracy: view.getFloat32(20, true),
    testAccuracy: view.getFloat32(24, true),
    diverged: (view.getUint32(28, true) & FLAG_DIVERGED) !== 0,
    sample: sample < 0 ? null : sample,
    stage: stage < 0 ? null : stage,
    shownLoss: view.getFloat32(40, true),
    penalty: view.getFloat32(44, true),
    layers,
    results,
    grid: new Uint8Array(buffer, layout.grid_offset, layout.grid_bytes),
    maps,
  };
}
