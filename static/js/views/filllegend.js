// @ts-check
/** What the neurons' colours mean when they show δ or a: the colour bar with its values. Both
 * scales are fixed, so the legend changes only with the choice of fill. */
import { css } from '../colors.js';
import { num } from '../format.js';
import { t } from '../i18n.js';
import { deltaOfTone } from '../shown.js';
import { html, part } from './dom.js';

const TONES = [-1, -0.5, 0, 0.5, 1];

/** A δ tick: ±10^k printed as the number it is. @param {number} tone */
function deltaTick(tone) {
  const delta = deltaOfTone(tone);
  return (delta > 0 ? '+' : '') + num(delta).replace('-', '−');
}

/** @param {HTMLElement} root */
export function createFillLegend(root) {
  const canvas = /** @type {HTMLCanvasElement} */ (part(root, 'canvas'));
  const ticks = part(root, '.fill-ticks');
  const context = canvas.getContext('2d');
  if (context) {
    for (let x = 0; x < canvas.width; x += 1) {
      context.fillStyle = css((2 * x) / (canvas.width - 1) - 1);
      context.fillRect(x, 0, 1, canvas.height);
    }
  }
  let shown = '';

  /** @param {import('../store.js').State} state */
  function update(state) {
    const fill = state.fill === 'map' ? '' : state.fill;
    if (fill === shown) return;
    shown = fill;
    root.hidden = fill === '';
    if (fill === '') return;
    root.setAttribute('aria-label', t(fill === 'delta' ? 'legend.delta' : 'legend.activation'));
    const labels = fill === 'delta' ? TONES.map(deltaTick)
      : [t('legend.low'), '', t('legend.mid'), '', t('legend.high')];
    ticks.replaceChildren(...labels.map((label) => html('span', undefined, label)));
    if (fill === 'activation') ticks.append(html('small', 'fill-unbounded', t('legend.unbounded')));
  }

  return { update };
}
