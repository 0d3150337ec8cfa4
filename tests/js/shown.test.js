// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  activationRange, activationTone, backwardDone, deltaOfTone, deltaTone, forwardDone, shownStage,
} from '../../static/js/shown.js';
import { layout } from './fixtures.js';

test('not stepping, everything is shown', () => {
  const all = shownStage(layout([2, 4, 1]), null);
  assert.equal(all.phase, 'all');
  for (const l of [0, 1, 2]) assert.ok(forwardDone(all, l));
  for (const l of [1, 2]) assert.ok(backwardDone(all, l));
});

test('the frame\'s stage indexes the layout\'s stages', () => {
  const lay = layout([2, 4, 1]);
  const phases = [0, 1, 2, 3, 4, 5, 6].map((s) => shownStage(lay, s)).map((s) => [s.phase, s.layer]);
  assert.deepEqual(phases, [['input', 0], ['forward', 1], ['forward', 2], ['loss', null],
    ['backward', 2], ['backward', 1], ['update', null]]);
  const forward1 = shownStage(lay, 1);
  assert.ok(forwardDone(forward1, 1) && !forwardDone(forward1, 2) && !backwardDone(forward1, 2));
  const backward2 = shownStage(lay, 4);
  assert.ok(backwardDone(backward2, 2) && !backwardDone(backward2, 1));
});

test('δ colours are fixed: one δ has one colour whatever else the frame holds', () => {
  assert.equal(deltaTone(0), 0);
  assert.equal(deltaTone(1e-6), 0); // below the scale: white
  assert.equal(deltaTone(1e-2), 0.5);
  assert.equal(deltaTone(-1e-2), -0.5); // the sign by hue
  assert.equal(deltaTone(5), 1); // beyond the scale: full colour
  assert.equal(deltaTone(NaN), 0);
  const sizes = [1e-4, 3e-4, 1e-3, 0.02, 0.3, 1];
  const tones = sizes.map(deltaTone);
  assert.ok(tones.every((tone, i) => i === 0 || tone > tones[i - 1])); // larger |δ|, deeper colour
  for (const tone of [-1, -0.5, 0.25, 1]) assert.ok(Math.abs(deltaTone(deltaOfTone(tone)) - tone) < 1e-12);
});

test('a bounded activation is drawn on its own range, an unbounded one squashed', () => {
  const lay = layout([2, 3, 1]);
  assert.equal(activationRange(lay, 1), null);
  assert.deepEqual(activationRange(lay, 2), [0, 1]);
  assert.equal(activationTone(0.5, [0, 1]), 0);
  assert.equal(activationTone(1, [0, 1]), 1);
  assert.equal(activationTone(-1, [-1, 1]), -1);
  assert.equal(activationTone(0, null), 0);
  assert.ok(Math.abs(activationTone(10, null) - 1) < 1e-6);
});
