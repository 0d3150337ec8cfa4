// @ts-check
/** The banner under the top bar: a refusal for a few seconds, or, while the network has
 * diverged, what to do about it until it no longer has. */
import { t, translate } from '../i18n.js';
import { translatedRefusal } from '../refusals.js';

const NOTICE_MS = 6000;

/** @param {HTMLElement} root */
export function createBanner(root) {
  let timer = 0;
  /** @type {import('../store.js').Notice | null} */
  let notice = null;
  let status = '';

  /** @param {string} text @param {boolean} sticky */
  function show(text, sticky) {
    root.textContent = text;
    root.hidden = false;
    root.classList.toggle('sticky', sticky);
    clearTimeout(timer);
    if (!sticky) timer = window.setTimeout(() => { root.hidden = true; }, NOTICE_MS);
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (state.status !== status) {
      status = state.status;
      if (status === 'diverged') show(t('diverged.help'), true);
      else if (root.classList.contains('sticky')) root.hidden = true;
    }
    if (state.notice !== notice) {
      notice = state.notice;
      if (notice) show(t(notice.key, { detail: translatedRefusal(notice.refusal, translate) }), false);
    }
  }

  return { update };
}
