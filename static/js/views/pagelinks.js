// @ts-check
/** Under the title: the way to the explanation of what is on screen, and "Restore defaults",
 * which puts every setting, the network and the view back as a first visit has them. */
import { online } from '../store.js';
import { enable, part } from './dom.js';

/** @param {HTMLElement} root @param {{ restore: () => void }} actions */
export function createPageLinks(root, actions) {
  const restore = part(root, '#restore-defaults');
  restore.addEventListener('click', () => actions.restore());

  /** @param {import('../store.js').State} state */
  function update(state) {
    enable([restore], online(state));
  }

  return { update };
}
