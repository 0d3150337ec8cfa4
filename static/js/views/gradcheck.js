// @ts-check
/** The gradient check: backprop's ∂C/∂θ against central differences, per layer, green when the
 * largest relative error is below the threshold. The server computes it (app/engine/gradcheck.py). */
import { num } from '../format.js';
import { t, tn } from '../i18n.js';
import { html, reveal } from './dom.js';

/** @param {HTMLElement} root */
export function createGradCheck(root) {
  /** @type {unknown} */
  let shown = null;

  /** @param {import('../protocol.js').GradCheckReply} result */
  function show(result) {
    const list = html('ol');
    result.layers.forEach((error, i) => {
      const ok = error !== null && error < result.threshold;
      const item = html('li', ok ? 'pass' : 'fail', t('gradcheck.row', { l: i + 1, error: num(error ?? NaN, 2),
        verdict: t(ok ? 'gradcheck.pass' : 'gradcheck.fail', { t: num(result.threshold, 1) }) }));
      item.dataset.error = String(error);
      list.append(item);
    });
    root.replaceChildren(html('p', '', tn('gradcheck.title', result.examples, { m: result.examples })), list);
    root.classList.toggle('passed', result.passed);
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (state.gradcheck === shown) return;
    shown = state.gradcheck;
    root.hidden = state.gradcheck === null;
    if (state.gradcheck === 'running') root.replaceChildren(html('p', '', t('gradcheck.running')));
    else if (state.gradcheck) show(state.gradcheck);
    if (state.gradcheck !== null) reveal(root);
  }

  return { update };
}
