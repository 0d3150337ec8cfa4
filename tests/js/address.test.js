// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressWith, decodeConfig, encodeConfig } from '../../static/js/address.js';

/** @type {any} */
const CONFIG = { network: { hidden_layers: [4, 2], activation: 'tanh', loss: 'mse' },
  data: { dataset: 'spiral', noise: 0.1, features: ['x1', 'x2', 'sin_x1'] }, training: { learning_rate: 0.03 },
  seed: 7, note: 'δ ∂C/∂z 中文' };

test('a config survives the address both ways, non-ASCII included', () => {
  const text = encodeConfig(CONFIG);
  assert.match(text, /^[A-Za-z0-9_-]+$/); // safe in a URL as it is
  assert.deepEqual(decodeConfig(text), CONFIG);
});

test('what is not a config is nothing', () => {
  assert.equal(decodeConfig(null), null);
  assert.equal(decodeConfig('%%%'), null);
  assert.equal(decodeConfig(encodeConfig(/** @type {any} */ ([1, 2]))), null);
});

test('the address keeps its language, drops the tab\'s own session and carries the config', () => {
  const next = new URL(addressWith('http://h/?lang=zh-Hans&session=abc', CONFIG));
  assert.equal(next.searchParams.get('lang'), 'zh-Hans');
  assert.equal(next.searchParams.get('session'), null);
  assert.deepEqual(decodeConfig(next.searchParams.get('config')), CONFIG);
});

test('the open lesson is in the address while it is open', () => {
  const open = new URL(addressWith('http://h/?lesson=old', CONFIG, { id: 'xor', variant: 'hidden-layer' }));
  assert.deepEqual([open.searchParams.get('lesson'), open.searchParams.get('variant')], ['xor', 'hidden-layer']);
  const closed = new URL(addressWith(open.toString(), CONFIG, null));
  assert.deepEqual([closed.searchParams.get('lesson'), closed.searchParams.get('variant')], [null, null]);
});
