// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_FILTER, filterCards, folded, statusCounts } from '../../static/js/cards.js';

/** @param {string} name @param {'training' | 'paused' | 'diverged'} status
 * @returns {import('../../static/js/server.js').ForkCard} */
const card = (name, status) => ({ session_id: name, name, status, step: 0, train_loss: null,
  train_accuracy: null, test_accuracy: null, thumbnail: null });
const cards = [card('Ada Lovelace', 'training'), card('小明', 'paused'), card('Alan 小红', 'diverged'),
  card('Grace', 'training'), card('<b>Bob</b>', 'paused')];
/** @param {import('../../static/js/cards.js').CardFilter} filter */
const names = (filter) => filterCards(cards, filter).map((c) => c.name);

test('no filter shows every card in its order', () => {
  assert.deepEqual(names(NO_FILTER), cards.map((c) => c.name));
});

test('a status shows only the cards in that state', () => {
  assert.deepEqual(names({ status: 'training', name: '' }), ['Ada Lovelace', 'Grace']);
  assert.deepEqual(names({ status: 'paused', name: '' }), ['小明', '<b>Bob</b>']);
  assert.deepEqual(names({ status: 'diverged', name: '' }), ['Alan 小红']);
});

test('a name matches as a piece of plain text whatever its case, Chinese too', () => {
  assert.deepEqual(names({ status: 'all', name: 'AL' }), ['Alan 小红']);
  assert.deepEqual(names({ status: 'all', name: 'a' }), ['Ada Lovelace', 'Alan 小红', 'Grace']);
  assert.deepEqual(names({ status: 'all', name: '小' }), ['小明', 'Alan 小红']);
  assert.deepEqual(names({ status: 'all', name: ' 小红 ' }), ['Alan 小红']);
  assert.deepEqual(names({ status: 'all', name: 'Ａｄａ' }), ['Ada Lovelace']);  // full-width letters
  assert.deepEqual(names({ status: 'all', name: '<b>' }), ['<b>Bob</b>']);  // markup is only text
  assert.deepEqual(names({ status: 'all', name: '.*' }), []);  // not a pattern
});

test('status and name together', () => {
  assert.deepEqual(names({ status: 'training', name: 'ada' }), ['Ada Lovelace']);
  assert.deepEqual(names({ status: 'paused', name: 'ada' }), []);
});

test('the counts per status', () => {
  assert.deepEqual(statusCounts(cards), { all: 5, training: 2, paused: 2, diverged: 1 });
  assert.deepEqual(statusCounts([]), { all: 0, training: 0, paused: 0, diverged: 0 });
});

test('folded compares NFKC, lower case, single spaces', () => {
  assert.equal(folded('  ＡＢ  c '), 'ab c');
});
