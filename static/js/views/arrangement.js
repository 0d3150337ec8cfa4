// @ts-check
/** The order of the panels. On a narrow screen the page is one column in the order a phone
 * user needs: the diagram first, then the data, the results, the training settings, with the
 * settings beyond the essential ones folded. The elements move in the document too, not only on
 * screen (CSS `order` alone would leave the keyboard's and a screen reader's order behind the
 * picture's). */
import { part } from './dom.js';

const NARROW = '(max-width: 1000px)';

/** @param {HTMLElement} root the columns @param {MediaQueryList} [query] */
export function arrangeColumns(root, query = window.matchMedia(NARROW)) {
  const stack = part(root, '.stack');
  const [data, training] = [part(root, '.panel.data'), part(root, '.panel.training')];
  const [network, inspector, output] = [part(root, '.panel.network'), part(root, '#inspector'),
    part(root, '.panel.output')];

  const folds = /** @type {HTMLDetailsElement[]} */ ([...root.querySelectorAll('details.fold')]);

  function arrange() {
    for (const fold of folds) fold.open = !query.matches;
    if (query.matches) {
      root.append(network, inspector, data, output, training);
    } else {
      stack.append(data, training);
      root.append(stack, network, inspector, output);
    }
  }
  query.addEventListener('change', arrange);
  arrange();
}
