// @ts-check
/** The address bar: it carries the run's whole configuration as the server confirms it, and
 * the open lesson, so that copying the address shares the exact run from its start. A
 * follower's address stays the room's. */
import { addressWith } from '../address.js';
import { changed } from './dom.js';

export function createAddress() {
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (state.room || !state.steering || !state.confirmed || !changed(shown, [state.confirmed, state.lesson])) return;
    const lesson = state.lesson && { id: state.lesson.lesson.id, variant: state.lesson.variant };
    const next = addressWith(window.location.href, state.confirmed, lesson);
    if (next !== window.location.href) window.history.replaceState(null, '', next);
  }

  return { update };
}
