// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as act from '../../static/js/store.js';
import { config, layout } from './fixtures.js';

/** @typedef {import('../../static/js/store.js').State} State */

/** @param {string} id @param {ReturnType<typeof config>} c @returns {any} */
const hello = (id, c = config()) => ({ type: 'hello', session_id: id, config: c, limits: {} });
/** @param {'running' | 'paused' | 'diverged'} status @param {number | null} ref @returns {any} */
const status = (status, ref, c = config()) => ({ type: 'status', status, steps_per_second: 100, config: c, ref });

/** A page connected to session "s", training. @returns {State} */
function connected() {
  const state = act.applyHello(act.initialState(null), hello('s'));
  return act.applyStatus(state, status('running', null));
}

/** @param {State} state @param {number} rate */
const withRate = (state, rate) => act.editConfig(state, (c) => { c.training.learning_rate = rate; });

test('a new session waits, paused, for the learner; one asked for carries on as it was', () => {
  const fresh = act.initialState(null);
  assert.deepEqual(act.helloCommands(fresh, hello('s')), []);
  assert.deepEqual(act.helloCommands(act.initialState('s'), hello('s')), []);
  const state = act.applyHello(fresh, hello('s'));
  assert.equal(state.sessionId, 's');
  assert.deepEqual(state.config, config());
  assert.equal(act.online(state), false); // no status yet
});

test('a session the server lost is replaced by one with the old setup, training if it was', () => {
  let state = connected();
  state = withRate(state, 0.3);
  state = act.applyStatus(state, status('running', state.pending?.ref ?? null, state.pending?.config));
  state = act.disconnected(state);
  assert.equal(state.status, 'disconnected');
  assert.equal(state.wasRunning, true);
  const replacement = hello('t');
  assert.deepEqual(act.helloCommands(state, replacement), [{ type: 'play' }]);
  const next = act.applyHello(state, replacement);
  assert.equal(next.sessionId, 't');
  assert.equal(next.config?.training.learning_rate, 0.3);
  assert.equal(next.pending?.config.training.learning_rate, 0.3); // sent again as an edit
});

test('a reconnection to the same session asks for nothing and tells the inspector again', () => {
  let state = act.setTarget(connected(), { kind: 'neuron', layer: 1, index: 0 });
  state = act.disconnected(state);
  assert.deepEqual(act.helloCommands(state, hello('s')),
    [{ type: 'inspect', target: { kind: 'neuron', layer: 1, index: 0 } }]);
});

test('an edit shows at once with a new ref and is confirmed by a status with that ref or later', () => {
  const before = connected();
  const edited = withRate(before, 0.3);
  assert.equal(edited.config?.training.learning_rate, 0.3);
  assert.equal(before.config?.training.learning_rate, 0.1); // reducers never change their input
  const first = edited.pending?.ref ?? -1;
  const twice = withRate(edited, 1);
  assert.equal(twice.pending?.ref, first + 1);
  // The first edit applied: the second is still on its way and stays shown.
  const applied = { ...config(), training: { ...config().training, learning_rate: 0.3 } };
  let state = act.applyStatus(twice, status('running', first, applied));
  assert.equal(state.config?.training.learning_rate, 1);
  assert.equal(state.confirmed?.training.learning_rate, 0.3);
  // Both applied; the server's config (it may have adjusted it) is what shows.
  const adjusted = { ...config(), training: { ...config().training, learning_rate: 1, batch_size: 7 } };
  state = act.applyStatus(state, status('running', first + 1, adjusted));
  assert.equal(state.pending, null);
  assert.deepEqual(state.config, adjusted);
});

test('no edit while offline', () => {
  const offline = act.disconnected(connected());
  assert.equal(withRate(offline, 0.3), offline);
});

test('a refusal rolls back to the confirmed config and says why', () => {
  const state = act.applyError(withRate(connected(), 100), { type: 'error', code: 'invalid',
    message: 'config refused', params: {}, errors: [{ field: 'config.training.learning_rate', code: 'le',
      message: 'at most 10', params: { le: 10 } }] });
  assert.equal(state.pending, null);
  assert.equal(state.config?.training.learning_rate, 0.1);
  assert.deepEqual(state.notice, { serial: 1, key: 'error.refused', refusal: { code: 'invalid',
    message: 'config refused', params: {}, errors: [{ field: 'config.training.learning_rate', code: 'le',
      message: 'at most 10', params: { le: 10 } }] } });
});

test('a new layout keeps an inspected target that still exists and drops one that does not', () => {
  let state = act.setTarget(connected(), { kind: 'weight', layer: 2, index: 1, source: 3 });
  state = { ...state, gradcheck: 'running' };
  const kept = act.applyLayout(state, layout([2, 4, 2, 1]));
  assert.deepEqual(kept.target, { kind: 'weight', layer: 2, index: 1, source: 3 });
  assert.equal(kept.gradcheck, null);
  assert.equal(kept.frame, null);
  assert.equal(act.applyLayout(state, layout([2, 3, 2, 1])).target, null);
  assert.equal(act.applyLayout(state, layout([2, 4, 1])).target, null);
});

test('a frame without neuron maps or the output map keeps the latest ones, until a new layout', () => {
  const maps = [[new Uint8Array(4)]];
  const grid = new Uint8Array(9);
  /** @param {any} m @param {any} g @returns {any} */
  const frame = (m, g) => ({ step: 1, train_loss: 1, test_loss: 1, maps: m, grid: g });
  let state = act.applyFrame(connected(), frame(maps, grid));
  state = act.applyFrame(state, frame(null, null));
  assert.equal(state.frame?.maps, maps);
  assert.equal(state.frame?.grid, grid);
  const newer = new Uint8Array(9);
  state = act.applyFrame(state, frame(null, newer));
  assert.equal(state.frame?.grid, newer);
  state = act.applyFrame(act.applyLayout(state, layout([2, 4, 2, 1])), frame(null, null));
  assert.equal(state.frame?.grid, null);
  assert.equal(state.frame?.maps, null);
});

test('history rows replace the page\'s or follow them', () => {
  let state = act.applyHistory(connected(), { type: 'history', rows: [[0, 1, 1], [10, 0.5, null]], append: false });
  state = act.applyHistory(state, { type: 'history', rows: [[20, 0.25, 0.3]], append: true });
  assert.deepEqual(state.history, [[0, 1, 1], [10, 0.5, null], [20, 0.25, 0.3]]);
  state = act.applyHistory(state, { type: 'history', rows: [[0, 2, 2]], append: false });
  assert.deepEqual(state.history, [[0, 2, 2]]);
});

test('closing the inspector forgets its numbers; an inspection without a target is ignored', () => {
  /** @type {any} */
  const inspection = { type: 'inspection', sample: null, example: 0, indices: [0], loss: 1, loss_name: 'mse', detail: {} };
  assert.equal(act.applyInspection(connected(), inspection).inspection, null);
  let state = act.setTarget(connected(), { kind: 'neuron', layer: 1, index: 0 });
  state = act.applyInspection(state, inspection);
  assert.equal(state.inspection, inspection);
  assert.equal(act.setTarget(state, null).inspection, null);
});

test('an upload is described once its table\'s layout is here, or said to be refused', () => {
  let state = act.uploadStarted(connected(), 'rent.csv');
  assert.deepEqual(state.upload, { phase: 'sending', name: 'rent.csv' });
  state = act.uploadFinished(state, 'rent.csv', null);
  assert.deepEqual(state.upload, { phase: 'sent', name: 'rent.csv' });
  assert.equal(state.uploaded, true);
  const table = { ...layout([2, 1], 'regression', 'table'), feature_names: ['area', 'rooms'], target_name: 'rent' };
  state = act.applyLayout(state, table);
  assert.deepEqual(state.upload, { phase: 'done', name: 'rent.csv', inputs: 2, target: 'rent' });
  const refused = act.uploadFinished(state, 'bad.csv', { code: 'csv', message: 'row 3, column 2 (b): not a number', params: {}, errors: [] });
  assert.deepEqual(refused.upload, { phase: 'failed', refusal: { code: 'csv', message: 'row 3, column 2 (b): not a number', params: {}, errors: [] } });
  assert.equal(refused.notice?.key, 'upload.failed');
});

test('the store applies reducers and tells subscribers the state before and after', () => {
  const store = act.createStore(act.initialState(null));
  /** @type {[string, string][]} */
  const seen = [];
  const stop = store.subscribe((state, previous) => seen.push([previous.fill, state.fill]));
  store.dispatch(act.setFill, 'delta');
  store.dispatch(act.editConfig, () => {}); // offline: no change, no call
  stop();
  store.dispatch(act.setFill, 'map');
  assert.deepEqual(seen, [['map', 'delta']]);
  assert.equal(store.state.fill, 'map');
});

test('a follower opens and closes the inspector with the teacher, and may look elsewhere between', () => {
  /** @type {any} */
  const target = { kind: 'neuron', layer: 1, index: 0 };
  /** @param {any} shown */
  const status = (shown) => ({ type: 'status', status: 'running', steps_per_second: 100, config: config(),
    ref: null, shown_target: shown });
  let state = act.initialState(null, 'BCDFGH');
  state = act.applyStatus(state, /** @type {any} */ (status(target)));
  assert.deepEqual(state.target, target);
  state = act.setTarget(state, { kind: 'neuron', layer: 2, index: 0 });
  state = act.applyStatus(state, /** @type {any} */ (status(target))); // the teacher's unchanged
  assert.deepEqual(state.target, { kind: 'neuron', layer: 2, index: 0 });
  state = act.applyStatus(state, /** @type {any} */ (status(null)));
  assert.equal(state.target, null);
  const own = act.applyStatus(act.initialState(null), /** @type {any} */ (status(target)));
  assert.equal(own.target, null); // a page of its own opens nothing by itself
});

test('the dashboard opens only over a room, puts the join screen away and keeps answers of the order shown', () => {
  const closed = act.initialState(null);
  assert.equal(act.openDashboard(closed), closed);
  const room = { code: 'BCDFGH', join_url: '/?room=BCDFGH', followers: 2, forks: 1, joining_locked: false,
    forking_allowed: true, projected: null };
  const open = act.openDashboard(act.applyRoom(closed, room));
  assert.equal(open.presenting?.shown, false);
  assert.deepEqual(open.dashboard, { sort: 'name', forks: [], thumbnailSize: 0 });
  const card = { session_id: 's', name: 'Ada', status: /** @type {const} */ ('paused'), step: 3,
    train_loss: 0.5, train_accuracy: 0.8, test_accuracy: 0.75, thumbnail: null };
  const byLoss = act.sortDashboard(open, 'loss');
  assert.equal(act.applyDashboard(byLoss, 'name', { code: 'BCDFGH', thumbnail_size: 16, forks: [card] }), byLoss);
  const shown = act.applyDashboard(byLoss, 'loss', { code: 'BCDFGH', thumbnail_size: 16, forks: [card] });
  assert.deepEqual(shown.dashboard, { sort: 'loss', forks: [card], thumbnailSize: 16 });
  assert.equal(act.closeDashboard(shown).dashboard, null);
  assert.equal(act.roomEnded(shown).dashboard, null);
});

test('presenter mode is state of its own, on and off, and unchanged when asked again', () => {
  const fresh = act.initialState(null);
  assert.equal(fresh.presenter, false);
  const on = act.setPresenter(fresh, true);
  assert.equal(on.presenter, true);
  assert.equal(act.setPresenter(on, true), on);
  assert.equal(act.setPresenter(on, false).presenter, false);
});

test('the dashboard filter changes one part at a time and outlives closing the dashboard', () => {
  const fresh = act.initialState(null);
  assert.deepEqual(fresh.cardFilter, { status: 'all', name: '' });
  const both = act.filterDashboard(act.filterDashboard(fresh, { status: 'paused' }), { name: '小' });
  assert.deepEqual(both.cardFilter, { status: 'paused', name: '小' });
  assert.deepEqual(act.closeDashboard(both).cardFilter, both.cardFilter);
});
