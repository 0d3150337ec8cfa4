// @ts-check
/** Reset, play or pause, and one step. */
import { t } from '../i18n.js';
import { online } from '../store.js';
import { changed, enable, part } from './dom.js';

/** @typedef {import('../store.js').State} State */
/** @typedef {import('../protocol.js').ClientMessage} ClientMessage */

/**
 * @param {HTMLElement} root
 * @param {{ send: (message: ClientMessage) => void }} actions
 */
export function createTransport(root, actions) {
  const play = part(root, '#play');
  const step = part(root, '#step');
  const reset = part(root, '#reset');
  let running = false;
  play.addEventListener('click', () => actions.send({ type: running ? 'pause' : 'play' }));
  step.addEventListener('click', () => actions.send({ type: 'step' }));
  reset.addEventListener('click', () => actions.send({ type: 'reset' }));
  /** @type {unknown[]} */
  const shown = [];

  /** @param {State} state */
  function update(state) {
    if (!changed(shown, [state.status, state.config])) return;
    const live = online(state);
    running = state.status === 'running';
    play.classList.toggle('playing', running);
    play.setAttribute('aria-label', running ? t('control.pause') : t('control.play'));
    enable([play, reset], live);
    enable([step], live && state.status !== 'diverged');
  }

  return { update };
}
