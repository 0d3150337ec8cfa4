// @ts-check
/** The session's status in words: connecting, training, paused, diverged, disconnected. */
import { t } from '../i18n.js';

/** @param {HTMLElement} root */
export function createStatus(root) {
  let shown = '';

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (state.status === shown) return;
    shown = state.status;
    root.textContent = t(`status.${state.status}`);
    root.dataset.status = state.status;
  }

  return { update };
}
