// @ts-check
/** Binary frames, read with the layout message that describes them. The header's fields, the
 * flags and the array names come from the protocol's description (wire.js, generated from
 * app/protocol.py); each array's offset and shape from the layout. Nothing here states an offset. */
import { FLAGS, HEADER_BYTES, HEADER_FIELDS, RESULT_ARRAYS } from './wire.js';

/**
 * The wire's shapes, under the names the page uses.
 * @typedef {import('./wire.js').LayoutMessage} Layout
 * @typedef {import('./wire.js').Points} Points
 * @typedef {import('./wire.js').SessionConfig} SessionConfig
 * @typedef {import('./wire.js').NeuronTarget | import('./wire.js').WeightTarget} Target
 * @typedef {import('./wire.js').HelloMessage} HelloMessage
 * @typedef {import('./wire.js').StatusMessage} StatusMessage
 * @typedef {import('./wire.js').HistoryMessage} HistoryMessage
 * @typedef {HistoryMessage['rows'][number]} HistoryRow
 * @typedef {import('./wire.js').InspectionMessage} InspectionMessage
 * @typedef {import('./wire.js').GradCheckReply} GradCheckReply
 * @typedef {import('./wire.js').ErrorMessage} ErrorMessage
 * @typedef {Omit<ErrorMessage, 'type'>} Refusal
 * @typedef {import('./wire.js').ServerMessage} ServerMessage
 * @typedef {import('./wire.js').ClientMessage} ClientMessage
 * @typedef {import('./wire.js').Stage} Stage
 */

/**
 * A decoded frame: the header's fields by name (stage and position null when none), whether the
 * network diverged, layers[l] (layer l's arrays by name; layer 0 has only a), the result views'
 * arrays, grid (the output over the plane, grid_bytes of the layout; null in frames without it)
 * and maps[l][k] (neuron k of layer l over the plane, map_cells bytes, 128 neutral; null in
 * frames without them).
 * @typedef {{ W?: Float32Array, b?: Float32Array, dW?: Float32Array, db?: Float32Array,
 *   z?: Float32Array, a?: Float32Array, delta?: Float32Array }} LayerValues
 * @typedef {{ confusion?: Float32Array, curve?: Float32Array, gallery?: Float32Array,
 *   parity?: Float32Array }} Results
 * @typedef {Omit<import('./wire.js').FrameHeader, 'stage' | 'position'>
 *   & { stage: number | null, position: number | null }} FrameHeader
 * @typedef {FrameHeader & { diverged: boolean, layers: LayerValues[], results: Results,
 *   grid: Uint8Array | null, maps: Uint8Array[][] | null }} Frame
 */

/** @param {DataView} view @param {(typeof HEADER_FIELDS)[number]} field */
function read(view, field) {
  if (field.type === 'u32') return view.getUint32(field.offset, true);
  if (field.type === 'i32') return view.getInt32(field.offset, true);
  return view.getFloat32(field.offset, true);
}

/** The header's fields by name; stage and position −1 (none) become null.
 * @param {DataView} view @returns {FrameHeader} */
export function decodeHeader(view) {
  /** @type {Record<string, number | null>} */
  const header = {};
  for (const field of HEADER_FIELDS) header[field.name] = read(view, field);
  for (const name of ['stage', 'position']) if (header[name] === -1) header[name] = null;
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

/** Every neuron's map, layer by layer, in the order of the layout's sizes, from ``offset``.
 * @param {ArrayBuffer} buffer @param {Layout} layout @param {number} offset */
function decodeMaps(buffer, layout, offset) {
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
  const hasGrid = (header.flags & FLAGS.grid) !== 0;
  // The optional parts follow the arrays, each present when its flag says so.
  const mapsAt = layout.grid_offset + (hasGrid ? layout.grid_bytes : 0);
  const expected = mapsAt + (hasMaps ? layout.frame_bytes - layout.map_offset : 0);
  if (buffer.byteLength !== expected || header.version !== layout.version) return null;
  return {
    ...header,
    diverged: (header.flags & FLAGS.diverged) !== 0,
    ...decodeArrays(buffer, layout),
    grid: hasGrid ? new Uint8Array(buffer, layout.grid_offset, layout.grid_bytes) : null,
    maps: hasMaps && layout.map_cells > 0 ? decodeMaps(buffer, layout, mapsAt) : null,
  };
}
