// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowed, chooseDataset, chooseLoss, chooseOutput, offered, taskOf } from '../../static/js/choices.js';
import { config, setup } from './fixtures.js';

test('a dataset\'s task comes from the setup; an uploaded table\'s from the layout', () => {
  const c = config();
  assert.equal(taskOf(setup(), c, 'regression'), 'binary');
  c.data.dataset = 'csv';
  assert.equal(taskOf(setup(), c, 'regression'), 'regression');
});

test('only outputs and losses of some allowed pair are offered', () => {
  const { outputs, losses } = offered(setup(), 'binary');
  assert.deepEqual([...outputs], ['sigmoid', 'tanh', 'linear']);
  assert.deepEqual([...losses], ['binary_cross_entropy', 'mse', 'mae', 'huber']);
  assert.ok(!offered(setup(), 'binary').outputs.has('softmax'));
  assert.ok(allowed(setup(), 'multiclass', 'softmax', 'mse'));
  assert.ok(!allowed(setup(), 'binary', 'tanh', 'binary_cross_entropy'));
});

test('an output the loss cannot take brings the first allowed pair with that output', () => {
  const c = config();
  chooseOutput(setup(), 'binary', c, 'tanh');
  assert.deepEqual([c.network.output_activation, c.network.loss], ['tanh', 'mse']);
  chooseOutput(setup(), 'binary', c, 'linear'); // linear + mse is allowed: the loss stays
  assert.deepEqual([c.network.output_activation, c.network.loss], ['linear', 'mse']);
});

test('a loss the output cannot take brings the first allowed pair with that loss', () => {
  const c = config();
  chooseLoss(setup(), 'binary', c, 'mse'); // sigmoid + mse is allowed
  assert.deepEqual([c.network.output_activation, c.network.loss], ['sigmoid', 'mse']);
  chooseLoss(setup(), 'binary', c, 'huber');
  assert.deepEqual([c.network.output_activation, c.network.loss], ['linear', 'huber']);
});

test('another kind of problem starts with its own pair; the same kind keeps an allowed one', () => {
  const c = config();
  chooseOutput(setup(), 'binary', c, 'tanh');
  chooseDataset(setup(), c, 'xor', undefined, 2000);
  assert.deepEqual([c.data.dataset, c.network.output_activation, c.network.loss], ['xor', 'tanh', 'mse']);
  chooseDataset(setup(), c, 'blobs', undefined, 2000);
  assert.deepEqual([c.network.output_activation, c.network.loss], ['softmax', 'categorical_cross_entropy']);
  chooseDataset(setup(), c, 'sin', undefined, 2000);
  assert.deepEqual([c.network.output_activation, c.network.loss], ['linear', 'mse']);
});

test('a dataset of a fixed size takes all its examples, within the server\'s limit', () => {
  const c = config();
  chooseDataset(setup(), c, 'digits', undefined, 2000);
  assert.equal(c.data.n_samples, 1797);
  chooseDataset(setup(), c, 'digits', undefined, 1000);
  assert.equal(c.data.n_samples, 1000);
});

test('your own data takes the task of its layout', () => {
  const c = config();
  chooseDataset(setup(), c, 'csv', 'regression', 2000);
  assert.deepEqual([c.network.output_activation, c.network.loss], ['linear', 'mse']);
});
