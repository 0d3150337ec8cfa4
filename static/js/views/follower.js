// @ts-check
/** A student's bar in a room. Following: whose network this is, and "Make my own copy". In
 * the copy: where it came from, the name the teacher's dashboard shows (the student's to
 * change), and the way back to the class. The controls a follower would
 * be refused are not offered (body[data-role=follower] hides them, views/page.js sets it). */
import { t } from '../i18n.js';
import { part } from './dom.js';
import { spaced } from './present.js';

/**
 * @param {HTMLElement} root
 * @param {{ fork: () => void, rename: (name: string) => Promise<string | null> }} actions rename
 *   answers the name kept, or null if it was refused
 * @param {string} name the own copy's name as this tab knows it
 */
export function createFollowerBar(root, actions, name) {
  const text = part(root, '.follower-text');
  const fork = part(root, '#fork');
  const back = /** @type {HTMLAnchorElement} */ (part(root, '#back-to-class'));
  const naming = /** @type {HTMLFormElement} */ (part(root, '#own-name'));
  const input = /** @type {HTMLInputElement} */ (part(naming, '#own-name-input'));
  input.value = name;
  fork.addEventListener('click', () => actions.fork());
  naming.addEventListener('submit', async (event) => {
    event.preventDefault();
    const kept = await actions.rename(input.value);
    if (kept !== null) input.value = kept;
  });
  let shown = '';

  /** @param {import('../store.js').State} state */
  function update(state) {
    const code = state.room ?? state.forkedFrom;
    const key = `${state.room}|${state.forkedFrom}`;
    if (key === shown) return;
    shown = key;
    root.hidden = code === null;
    if (code === null) return;
    text.textContent = t(state.room ? 'room.following' : 'room.forked', { code: spaced(code.toUpperCase()) });
    fork.hidden = state.room === null;
    back.hidden = state.room !== null;
    naming.hidden = state.room !== null;
    back.href = `/?room=${encodeURIComponent(code)}`;
  }

  return { update };
}
