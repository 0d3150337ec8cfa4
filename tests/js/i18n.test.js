// @ts-check
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { translator } from '../../static/js/i18n.js';
import { fieldKey, translatedRefusal } from '../../static/js/refusals.js';

/** @param {string} language @returns {Record<string, string>} */
const catalogue = (language) => JSON.parse(readFileSync(new URL(`../../static/i18n/${language}.json`, import.meta.url), 'utf-8'));
const en = translator(catalogue('en'), 'en');
const zh = translator(catalogue('zh-Hans'), 'zh-Hans');

test('placeholders are filled, whole numbers grouped the language\'s way', () => {
  assert.equal(en.t('speed.value', { n: 10000 }), '10,000 steps/s');
  assert.equal(zh.t('speed.value', { n: 10000 }), '10,000步/秒');
  assert.equal(en.t('eq.bp1'), 'BP1');
  assert.equal(zh.t('eq.bp1'), '方程1（BP1）');
  assert.equal(en.t('no.such.key'), 'no.such.key');
});

test('plurals by Intl.PluralRules: one and other in English, one form in Chinese', () => {
  assert.equal(en.tn('net.neurons', 1), '1 neuron');
  assert.equal(en.tn('net.neurons', 2), '2 neurons');
  assert.equal(en.tn('walk.on.batch', 1, { m: 1, k: 1, i: 7 }), 'on the next mini-batch (1 example), showing example 1 (#7)');
  assert.equal(en.tn('walk.on.batch', 10, { m: 10, k: 3, i: 7 }), 'on the next mini-batch (10 examples), showing example 3 (#7)');
  assert.equal(zh.tn('net.neurons', 1), '1个神经元');
  assert.equal(zh.tn('net.neurons', 3), '3个神经元');
});

/** @type {import('../../static/js/protocol.js').Refusal} */
const config = { code: 'invalid_config', message: 'config refused', params: {}, errors: [
  { field: 'config.network.hidden_layers.0', code: 'limit', message: 'at most 16 neurons per layer', params: { limit: 16, setting: 'max_neurons_per_layer' } },
  { field: 'config.training.learning_rate', code: 'less_than_equal', message: 'Input should be less than or equal to 10', params: { le: 10 } },
] };

test('a refusal is said in the page\'s language, by its codes and params', () => {
  assert.equal(fieldKey('config.network.hidden_layers.0'), 'field.network.hidden_layers');
  assert.equal(translatedRefusal(config, en), 'Hidden layers: at most 16; Learning rate: at most 10');
  assert.equal(translatedRefusal(config, zh), '隐藏层：最多16；学习率：最多为10');
  const gone = { code: 'session_not_found', message: "no session 'x'", params: {}, errors: [] };
  assert.equal(translatedRefusal(gone, zh), '这个会话已不存在，可能已过期');
  /** @type {import('../../static/js/protocol.js').Refusal} */
  const csv = { code: 'csv', message: "row 3, column 2 (b): 'oops' is not a number", params: {}, errors: [
    { field: 'csv', code: 'csv', message: "row 3, column 2 (b): 'oops' is not a number", params: { detail: "'oops' is not a number", row: 3, column: 2 } }] };
  assert.equal(translatedRefusal(csv, zh), "CSV文件：第3行第2列：'oops' is not a number");
  csv.errors[0].params.name = 'b';
  assert.equal(translatedRefusal(csv, en), "CSV file: row 3, column 2 (b): 'oops' is not a number");
  assert.equal(translatedRefusal(csv, zh), "CSV文件：第3行第2列（b）：'oops' is not a number");
});

test('an unknown code or field falls back to the server\'s English message and the field path', () => {
  const odd = { code: 'invalid', message: 'invalid request', params: {}, errors: [
    { field: 'weird.thing', code: 'brand_new', message: 'something new', params: {} }] };
  assert.equal(translatedRefusal(odd, zh), 'weird.thing：something new');
  assert.equal(translatedRefusal({ code: 'brand_new', message: 'as the server says', params: {}, errors: [] }, zh), 'as the server says');
});
