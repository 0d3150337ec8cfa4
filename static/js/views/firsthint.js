// @ts-check
/** One line on what to do, while a network that has not trained yet waits for the learner: a
 * new session starts paused, so that the untrained network is there to be looked at. */

/** @param {HTMLElement} root */
export function createFirstHint(root) {
  /** @param {import('../store.js').State} state */
  function update(state) {
    root.hidden = !(state.status === 'paused' && state.frame?.step === 0 && (state.frame?.stage ?? null) === null
      && state.lesson === null && state.steering);
  }

  return { update };
}
