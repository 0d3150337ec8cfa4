// @ts-check
/** A student's page in a room: one line saying whose network this is. The controls that would
 * be refused are not offered (body[data-role=follower] hides them, views/page.js sets it). */
import { t } from '../i18n.js';
import { spaced } from './present.js';

/** @param {HTMLElement} root */
export function createFollowerBar(root) {
  let shown = '';

  /** @param {import('../store.js').State} state */
  function update(state) {
    const text = state.room ? t('room.following', { code: spaced(state.room.toUpperCase()) }) : '';
    if (text === shown) return;
    shown = text;
    root.hidden = text === '';
    root.textContent = text;
  }

  return { update };
}
