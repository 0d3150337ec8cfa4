// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inputRange } from '../../static/js/bounds.js';

/** @type {any} */
const setup = { bounds: {
  'data.noise': { minimum: 0, maximum: 0.5, default: 0 },
  'data.n_samples': { minimum: 20, maximum: 2000, default: 400 },
  'training.momentum': { minimum: 0, exclusive_maximum: 1, default: 0.9 },
  'training.epsilon': { exclusive_minimum: 0, maximum: 1, default: 1e-8 },
  'training.decay_steps': { minimum: 1, default: 1000 },
} };

test('an input\'s range is the setting\'s bounds, scaled to what the input shows', () => {
  assert.deepEqual(inputRange(setup, 'data.noise', 100), { min: 0, max: 50 });
  assert.deepEqual(inputRange(setup, 'data.n_samples'), { min: 20, max: 2000 });
});

test('an exclusive bound stands for itself; a missing one is left open', () => {
  assert.deepEqual(inputRange(setup, 'training.momentum'), { min: 0, max: 1 });
  assert.deepEqual(inputRange(setup, 'training.epsilon'), { min: 0, max: 1 });
  assert.deepEqual(inputRange(setup, 'training.decay_steps'), { min: 1 });
  assert.deepEqual(inputRange(setup, 'no.such'), {});
});
