// @ts-check
/** The gradient check: backprop's ∂C/∂θ against central differences, per layer, green when the
 * largest relative error is below the threshold. The server computes it (app/engine/gradcheck.py). */
import { num } from '../format.js';
import { t } from '../i18n.js';

/**
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} root
 * @param {{ onCheck: () => void }} actions
 */
export function createGradCheck(button, root, actions) {
  button.addEventListener('click', () => {
    root.hidden = false;
    root.replaceChildren(Object.assign(document.createElement('p'), { textContent: t('gradcheck.running') }));
    actions.onCheck();
  });

  /** @param {{ layers: (number | null)[], threshold: number, passed: boolean, examples: number }} result */
  function show(result) {
    const title = document.createElement('p');
    title.textContent = t('gradcheck.title', { m: result.examples });
    const list = document.createElement('ol');
    result.layers.forEach((error, i) => {
      const ok = error !== null && error < result.threshold;
      const item = document.createElement('li');
      item.className = ok ? 'pass' : 'fail';
      item.dataset.error = String(error);
      item.textContent = `${t('gradcheck.layer', { l: i + 1 })}: ${num(error ?? NaN, 2)} · ${
        t(ok ? 'gradcheck.pass' : 'gradcheck.fail', { t: num(result.threshold, 1) })}`;
      list.append(item);
    });
    root.replaceChildren(title, list);
    root.hidden = false;
    root.classList.toggle('passed', result.passed);
  }

  function hide() {
    root.hidden = true;
  }

  return { show, hide };
}
