// @ts-check
/** The page's decoder against frames the server's encoder made (make_frames.py, run with the
 * Python in $PYTHON, by default the repository's .venv). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeFrame } from '../../static/js/protocol.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = process.env.PYTHON ?? join(ROOT, '.venv/bin/python');
const RESULTS = ['confusion', 'curve', 'gallery', 'parity'];

/**
 * @typedef {{ name: string, layout: import('../../static/js/protocol.js').Layout, frame_base64: string,
 *   expected: { header: Record<string, number | string>, flags: number, diverged: boolean,
 *     arrays: Record<string, (number | string)[]>, grid_bytes: number | null, grid_head: number[] | null,
 *     maps_bytes: number | null, maps_head: number[] | null } }} Case
 */

/** @type {Case[]} */
let cases = [];

before(() => {
  const out = execFileSync(PYTHON, [join(ROOT, 'tests/js/make_frames.py')], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  cases = JSON.parse(out).cases;
});

/** NaN and infinities travel as strings. @param {number | string} x */
const value = (x) => (typeof x === 'string' ? Number(x.replace('inf', 'Infinity')) : x);

/** A frame as the WebSocket hands it over: an ArrayBuffer of its own. @param {string} base64 */
function buffer(base64) {
  return new Uint8Array(Buffer.from(base64, 'base64')).buffer;
}

/** @param {Case} c */
function decoded(c) {
  const frame = decodeFrame(buffer(c.frame_base64), c.layout);
  assert.ok(frame, `${c.name}: not decoded`);
  return frame;
}

test('every case decodes to the header the encoder was given', () => {
  assert.ok(cases.length >= 4);
  for (const c of cases) {
    const frame = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (decoded(c)));
    for (const [name, expected] of Object.entries(c.expected.header)) {
      const want = (name === 'stage' || name === 'position') && expected === -1 ? null : value(expected);
      assert.deepEqual(frame[name], want, `${c.name}: ${name}`);
    }
    assert.equal(frame.flags, c.expected.flags, `${c.name}: flags`);
    assert.equal(frame.diverged, c.expected.diverged, `${c.name}: diverged`);
  }
});

test('every array sits where the layout says, with the encoder\'s float32 values', () => {
  for (const c of cases) {
    const frame = decoded(c);
    for (const [key, expected] of Object.entries(c.expected.arrays)) {
      const [name, layer] = key.split('/');
      const arrays = RESULTS.includes(name) ? frame.results : frame.layers[Number(layer)];
      const values = /** @type {Record<string, Float32Array>} */ (arrays)[name];
      assert.ok(values, `${c.name}: ${key} missing`);
      assert.deepEqual([...values], expected.map(value), `${c.name}: ${key}`);
    }
  }
});

test('the output map and the neuron maps follow the arrays, each only in frames flagged with it', () => {
  assert.ok(cases.some((c) => c.expected.grid_bytes === null && c.expected.maps_bytes !== null));
  for (const c of cases) {
    const frame = decoded(c);
    if (c.expected.grid_bytes === null) {
      assert.equal(frame.grid, null, c.name);
    } else {
      const grid = /** @type {Uint8Array} */ (frame.grid);
      assert.equal(grid.length, c.expected.grid_bytes, c.name);
      assert.deepEqual([...grid.subarray(0, 8)], c.expected.grid_head, c.name);
    }
    if (c.expected.maps_bytes === null) {
      assert.equal(frame.maps, null, c.name);
      continue;
    }
    const maps = /** @type {Uint8Array[][]} */ (frame.maps);
    assert.deepEqual(maps.map((layer) => layer.length), c.layout.sizes, c.name);
    assert.equal(maps.flat().reduce((n, map) => n + map.length, 0), c.expected.maps_bytes, c.name);
    assert.deepEqual([...maps.flat().flatMap((map) => [...map])].slice(0, 8), c.expected.maps_head, c.name);
  }
});

test('the cases cover a picked example at a step-by-step stage, classes and divergence', () => {
  const frames = cases.map(decoded);
  assert.ok(frames.some((f) => f.sample === 5 && f.position === null && f.stage !== null));
  assert.ok(frames.some((f) => f.position === 2 && f.stage === null));
  assert.ok(frames.some((f) => f.diverged && !Number.isFinite(f.train_loss)));
  assert.ok(frames.some((f) => (f.results.confusion?.length ?? 0) === 9));
});

test('a frame of another layout, or cut short, is not decoded', () => {
  const c = cases[0];
  const data = buffer(c.frame_base64);
  assert.equal(decodeFrame(data, { ...c.layout, version: c.layout.version + 1 }), null);
  assert.equal(decodeFrame(data.slice(0, data.byteLength - 1), c.layout), null);
  assert.equal(decodeFrame(data.slice(0, 20), c.layout), null);
});
