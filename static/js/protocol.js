// @ts-check
/** Binary frames, read with the layout message that describes them. The header's fields and
 * flags come from the protocol's description (wire.js); the arrays' offsets from the layout. */

// Until wire.js is generated from the server's description, the header is described here.
const HEADER_FIELDS = /** @type {const} */ ([
  { name: 'version', type: 'u32', offset: 0 },
  { name: 'step', type: 'u32', offset: 4 },
  { name: 'epoch', type: 'f32', offset: 8 },
  { name: 'train_loss', type: 'f32', offset: 12 },
  { name: 'test_loss', type: 'f32', offset: 16 },
  { name: 'train_accuracy', type: 'f32', offset: 20 },
  { name: 'test_accuracy', type: 'f32', offset: 24 },
  { name: 'flags', type: 'u32', offset: 28 },
  { name: 'sample', type: 'i32', offset: 32 },
  { name: 'stage', type: 'i32', offset: 36 },
  { name: 'shown_loss', type: 'f32', offset: 40 },
  { name: 'penalty', type: 'f32', offset: 44 },
]);
const HEADER_BYTES = 48;
const FLAGS = { diverged: 1, maps: 2 };
const RESULT_ARRAYS = ['confusion', 'curve', 'gallery', 'parity'];

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
 * @typedef {{ confusion?: Float32Array, curve?: Float32Array, gallery?: Float32Array,
 *   parity?: Float32Array }} Results
 * @typedef {{ version: number, step: number, epoch: number, train_loss: number,
 *   test_loss: number, train_accuracy: number, test_accuracy: number, flags: number,
 *   sample: number | null, stage: number | null, shown_loss: number, penalty: number }} FrameHeader
 * @typedef {FrameHeader & { diverged: boolean, layers: LayerValues[], results: Results,
 *   grid: Uint8Array, maps: Uint8Array[][] | null }} Frame
 * layers[l]: layer l's arrays by name (layer 0 has only a); results: the result views' arrays;
 * grid: the output over the plane (grid_bytes, see the layout); sample: the picked training
 * example (null: the next mini-batch); stage: an index of the step-by-step stages (null: not
 * stepping); maps[l][k]: neuron k of layer l over the plane, map_cells bytes, 128 neutral, or
 * null in frames that do not carry them.
 */

/**
 * The messages (until wire.js describes them, as the server sends them).
 * @typedef {{ network: { hidden_layers: number[], activation: string,
 *   hidden_activations: string[] | null, output_activation: string, leaky_slope: number,
 *   loss: string, init: string },
 *   data: { dataset: string, n_samples: number, noise: number, test_ratio: number,
 *   classes: number, features: string[], scaling: string, seed: number },
 *   training: { learning_rate: number, batch_size: number, optimizer: string, momentum: number,
 *   rho: number, beta1: number, beta2: number, epsilon: number, decay: string,
 *   decay_rate: number, decay_steps: number, regularization: string,
 *   regularization_rate: number }, seed: number }} SessionConfig
 * @typedef {{ field: string, code?: string, message: string, params?: Record<string, any> }} FieldError
 * @typedef {{ code?: string, message: string, errors: FieldError[] }} Refusal
 * @typedef {{ kind: 'neuron', layer: number, index: number } |
 *   { kind: 'weight', layer: number, index: number, source: number }} Target
 * @typedef {{ type: 'hello', session_id: string, config: SessionConfig,
 *   limits: Record<string, number> }} HelloMessage
 * @typedef {Layout & { type: 'layout' }} LayoutMessage
 * @typedef {{ type: 'status', status: 'running' | 'paused' | 'diverged',
 *   steps_per_second: number | null, config: SessionConfig, ref?: number | null }} StatusMessage
 * @typedef {[number, number | null, number | null]} HistoryRow
 * @typedef {{ type: 'history', rows: HistoryRow[], append?: boolean }} HistoryMessage
 * @typedef {{ type: 'inspection', sample: number | null, example: number, indices: number[],
 *   loss: number | null, loss_name: string, detail: any }} InspectionMessage
 * @typedef {{ type: 'gradcheck', layers: (number | null)[], threshold: number, passed: boolean,
 *   examples: number, sample: number | null }} GradCheckMessage
 * @typedef {Refusal & { type: 'error' }} ErrorMessage
 * @typedef {HelloMessage | LayoutMessage | StatusMessage | HistoryMessage | InspectionMessage
 *   | GradCheckMessage | ErrorMessage} ServerMessage
 * @typedef {{ type: 'play' } | { type: 'pause' } | { type: 'step', steps?: number }
 *   | { type: 'reset', seed?: number | null }
 *   | { type: 'config', config: SessionConfig, ref?: number | null }
 *   | { type: 'speed', steps_per_second: number | null } | { type: 'pick', sample: number | null }
 *   | { type: 'inspect', target: Target | null }
 *   | { type: 'walk', action: 'start' | 'next' | 'previous' | 'stop' } | { type: 'gradcheck' }
 *   | { type: 'edit', layer: number, param: 'W' | 'b', index: number, source?: number | null,
 *       value: number }} ClientMessage
 */

/** @param {DataView} view @param {{ type: 'u32' | 'i32' | 'f32', offset: number }} field */
function read(view, field) {
  if (field.type === 'u32') return view.getUint32(field.offset, true);
  if (field.type === 'i32') return view.getInt32(field.offset, true);
  return view.getFloat32(field.offset, true);
}

/** The header's fields by name; sample and stage −1 (none) become null.
 * @param {DataView} view @returns {FrameHeader} */
export function decodeHeader(view) {
  /** @type {Record<string, number | null>} */
  const header = {};
  for (const field of HEADER_FIELDS) header[field.name] = read(view, field);
  for (const name of ['sample', 'stage']) if (header[name] === -1) header[name] = null;
  return /** @type {FrameHeader} */ (/** @type {unknown} */ (header));
}

/** @param {ArrayBuffer} buffer @param {Layout} layout */
function decodeArrays(buffer, layout) {
  /** @type {LayerValues[]} */
  const layers = layout.sizes.map(() => ({}));
  /** @type {Record<string, Float32Array>} */
  const results = {};
  for (const field of layout.fields) {
    const values = new Float32Array(buffer, field.offset, field.shape.reduce((a, b) => a * b, 1));
    if (RESULT_ARRAYS.includes(field.name)) results[field.name] = values;
    else /** @type {Record<string, Float32Array>} */ (layers[field.layer])[field.name] = values;
  }
  return { layers, results: /** @type {Results} */ (results) };
}

/** Every neuron's map, layer by layer, in the order the layout's sizes give.
 * @param {ArrayBuffer} buffer @param {Layout} layout */
function decodeMaps(buffer, layout) {
  let offset = layout.map_offset;
  return layout.sizes.map((n) => Array.from({ length: n }, () => {
    const map = new Uint8Array(buffer, offset, layout.map_cells);
    offset += layout.map_cells;
    return map;
  }));
}

/**
 * @param {ArrayBuffer} buffer
 * @param {Layout} layout
 * @returns {Frame | null} null when the frame belongs to another layout or is cut short
 */
export function decodeFrame(buffer, layout) {
  if (buffer.byteLength < HEADER_BYTES) return null;
  const header = decodeHeader(new DataView(buffer));
  const hasMaps = (header.flags & FLAGS.maps) !== 0;
  const expected = hasMaps ? layout.frame_bytes : layout.map_offset;
  if (buffer.byteLength !== expected || header.version !== layout.version) return null;
  return {
    ...header,
    diverged: (header.flags & FLAGS.diverged) !== 0,
    ...decodeArrays(buffer, layout),
    grid: new Uint8Array(buffer, layout.grid_offset, layout.grid_bytes),
    maps: hasMaps && layout.map_cells > 0 ? decodeMaps(buffer, layout) : null,
  };
}
