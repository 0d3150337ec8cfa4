// @ts-check
/** The cost C of the chosen loss, written out in the explanation panel with its ½ and its mean
 * over the batch: what BP1's ∂C/∂a differentiates. */
import { t } from '../i18n.js';
import { html } from './dom.js';
import { lossLine, lossNotes } from './equations.js';

/** @param {HTMLElement} root */
export function createLossFormula(root) {
  let shown = '';

  /** @param {import('../store.js').State} state */
  function update(state) {
    const loss = state.config?.network.loss;
    if (!loss || loss === shown) return;
    shown = loss;
    root.replaceChildren(lossLine(loss, 'L'), ...lossNotes(loss).map((key) => html('p', 'note', t(key))));
  }

  return { update };
}
