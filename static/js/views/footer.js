// @ts-check
/** The footer's session id, for REST calls and ?session= links. */
import { part } from './dom.js';

/** @param {HTMLElement} root */
export function createFooter(root) {
  const id = part(root, '#session-id');

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (state.sessionId !== null && id.textContent !== state.sessionId) id.textContent = state.sessionId;
  }

  return { update };
}
