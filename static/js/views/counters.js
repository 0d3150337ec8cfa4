// @ts-check
/** The step and epoch counters, and the seed with its button for a new one. */
import { count } from '../format.js';
import { online } from '../store.js';
import { changed, enable, part } from './dom.js';

/** @typedef {import('../store.js').State} State */

/**
 * @param {HTMLElement} root
 * @param {{ send: (message: import('../protocol.js').ClientMessage) => void }} actions
 */
export function createCounters(root, actions) {
  const step = part(root, '#step-count');
  const epoch = part(root, '#epoch-count');
  const seed = part(root, '#seed-value');
  const newSeed = part(root, '#new-seed');
  newSeed.addEventListener('click', () => actions.send({
    type: 'reset', seed: Math.floor(Math.random() * 2 ** 31) }));
  /** @type {unknown[]} */
  const shown = [];

  /** @param {State} state */
  function update(state) {
    const frame = state.frame;
    if (!changed(shown, [frame, state.config, state.status])) return;
    if (frame) {
      step.textContent = count(frame.step);
      epoch.textContent = frame.epoch.toFixed(frame.epoch < 10 ? 2 : 1);
    }
    if (state.config) seed.textContent = String(state.config.seed);
    enable([newSeed], online(state));
  }

  return { update };
}
