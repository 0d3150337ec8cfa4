// @ts-check
/** Presenting to a class: the button that opens a room, and the join screen for the projector
 * (the code in large type, the join address, its QR code, how many follow; lock joining, end
 * the room). Names of students never appear here: only their number; they are on the class
 * dashboard (views/dashboard.js), which its button here opens in place of this screen. */
import { count } from '../format.js';
import { t, tn } from '../i18n.js';
import { online } from '../store.js';
import { changed, part } from './dom.js';

/** The code as it is read aloud: two groups of three. @param {string} code */
export function spaced(code) {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/**
 * @param {HTMLDialogElement} dialog the join screen @param {HTMLElement} button "Present"
 * @param {{ open: () => void, show: (shown: boolean) => void,
 *   change: (change: { joining_locked?: boolean, forking_allowed?: boolean }) => void,
 *   end: () => void }} actions
 */
export function createPresent(dialog, button, actions) {
  const code = part(dialog, '#present-code');
  const qr = /** @type {HTMLImageElement} */ (part(dialog, '#present-qr'));
  const url = part(dialog, '#present-url');
  const followers = part(dialog, '#present-count');
  const lock = /** @type {HTMLInputElement} */ (part(dialog, '#present-lock'));
  const forking = /** @type {HTMLInputElement} */ (part(dialog, '#present-fork'));
  button.addEventListener('click', () => actions.open());
  lock.addEventListener('change', () => actions.change({ joining_locked: lock.checked }));
  forking.addEventListener('change', () => actions.change({ forking_allowed: forking.checked }));
  part(dialog, '#present-end').addEventListener('click', () => actions.end());
  part(dialog, '#present-hide').addEventListener('click', () => actions.show(false));
  dialog.addEventListener('close', () => actions.show(false));
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function update(state) {
    const room = state.presenting;
    if (!changed(shown, [room, state.status, state.steering])) return;
    button.hidden = !state.steering;
    button.toggleAttribute('disabled', !online(state));
    button.textContent = room ? t('room.badge', { code: spaced(room.code), n: count(room.followers) }) : t('room.present');
    if (!room) {
      if (dialog.open) dialog.close();
      return;
    }
    code.textContent = spaced(room.code);
    code.setAttribute('aria-label', t('room.codeLabel', { code: room.code.split('').join(' ') }));
    if (qr.dataset.code !== room.code) {
      qr.dataset.code = room.code;
      qr.src = `/api/rooms/${room.code}/qr.svg`;
    }
    url.textContent = room.join_url;
    followers.textContent = tn('room.followers', room.followers, { n: count(room.followers) })
      + (room.forks ? ` · ${tn('room.forks', room.forks, { n: count(room.forks) })}` : '');
    lock.checked = room.joining_locked;
    forking.checked = room.forking_allowed;
    if (room.shown && !dialog.open) dialog.showModal();
    if (!room.shown && dialog.open) dialog.close();
  }

  return { update };
}
