// @ts-check
/** The numbers of the neuron or weight under the pointer (or with the keyboard's focus): w and
 * ∂C/∂w of a weight; z, a, δ, b and ∂C/∂b of a neuron, with its map enlarged. What the
 * step-by-step stage has not computed yet is a dash. */
import { num } from '../format.js';
import { t } from '../i18n.js';
import { backwardDone, forwardDone, shownStage } from '../shown.js';
import { html } from './dom.js';
import { paintMap, paintWeights, rowOf } from './neuronpaint.js';

/** @typedef {import('../protocol.js').Target} Target */
/** @typedef {import('../protocol.js').Frame} Frame */
/** @typedef {import('../protocol.js').Layout} Layout */

const GAP = 14;

/** @param {HTMLElement} root the tooltip, placed in page coordinates */
export function createTooltip(root) {
  /** @type {Target | null} */
  let hovered = null;
  /** @type {{ frame: Frame, layout: Layout } | null} */
  let shown = null;
  const enlarged = /** @type {HTMLCanvasElement} */ (html('canvas', 'tip-map'));

  /** Beside the point, flipped to the other side where it would leave the window.
   * @param {number} x @param {number} y */
  function place(x, y) {
    const right = window.scrollX + document.documentElement.clientWidth;
    const bottom = window.scrollY + document.documentElement.clientHeight;
    const left = x + GAP + root.offsetWidth > right ? x - GAP - root.offsetWidth : x + GAP;
    const top = y + GAP + root.offsetHeight > bottom ? y - GAP - root.offsetHeight : y + GAP;
    root.style.left = `${Math.max(window.scrollX, left)}px`;
    root.style.top = `${Math.max(window.scrollY, top)}px`;
  }

  /** @param {Target} target @param {number} x @param {number} y */
  function hover(target, x, y) {
    hovered = target;
    render();
    place(x, y);
  }

  function leave() {
    hovered = null;
    root.hidden = true;
  }

  /** The rows of numbers, and a title. @param {Target} target @param {Frame} frame @param {Layout} layout
   * @returns {[string, [string, number][]]} */
  function numbers(target, frame, layout) {
    const { layer: l, index: k } = target;
    const values = frame.layers[l];
    const stage = shownStage(layout, frame.stage);
    const shownIf = (/** @type {boolean} */ ok, /** @type {number | undefined} */ v) => (ok ? v ?? NaN : NaN);
    if (target.kind === 'weight') {
      const i = k * layout.sizes[l - 1] + target.source;
      return [t('tip.weight', { j: target.source + 1, lp: l - 1, k: k + 1, l }),
        [['w', values.W?.[i] ?? NaN], ['∂C/∂w', shownIf(backwardDone(stage, l), values.dW?.[i])]]];
    }
    if (l === 0) return [t('tip.input', { k: k + 1 }), [['x', values.a?.[k] ?? NaN]]];
    const fwd = forwardDone(stage, l);
    const back = backwardDone(stage, l);
    return [t('tip.neuron', { l, k: k + 1, activation: t(`activation.${layout.activations[l - 1]}`) }),
      [['z', shownIf(fwd, values.z?.[k])], ['a', shownIf(fwd, values.a?.[k])],
        ['δ = ∂C/∂z', shownIf(back, values.delta?.[k])], ['b', values.b?.[k] ?? NaN],
        ['∂C/∂b', shownIf(back, values.db?.[k])]]];
  }

  /** A neuron's map enlarged, or for an image input its weights as a picture.
   * @param {Target} target @param {Frame} frame @param {Layout} layout @returns {HTMLElement[]} */
  function picture(target, frame, layout) {
    const weights = layout.input_kind === 'image' && target.layer === 1;
    if (target.kind !== 'neuron' || !(weights || frame.maps)) return [];
    enlarged.width = weights ? 8 : layout.map_size;
    enlarged.height = weights ? 8 : layout.map_cells === layout.map_size ? 1 : layout.map_size;
    enlarged.classList.toggle('pixelated', weights);
    if (weights) paintWeights(enlarged, rowOf(frame.layers[1].W, target.index, 64));
    else paintMap(enlarged, /** @type {Uint8Array[][]} */ (frame.maps)[target.layer][target.index]);
    return weights ? [enlarged, html('small', '', t('tip.pixelWeights'))] : [enlarged];
  }

  function render() {
    if (!hovered || !shown || !shown.frame.layers[hovered.layer]) return;
    const { frame, layout } = shown;
    const [title, rows] = numbers(hovered, frame, layout);
    const list = html('dl');
    for (const [name, value] of rows) list.append(html('dt', '', name), html('dd', '', num(value)));
    const note = t('tip.sample', { i: frame.sample });
    root.replaceChildren(html('strong', '', title), ...picture(hovered, frame, layout), list,
      html('small', '', note));
    root.hidden = false;
  }

  /** The newest frame: the numbers under the pointer follow it. @param {Frame} frame @param {Layout} layout */
  function update(frame, layout) {
    shown = { frame, layout };
    if (hovered) render();
  }

  return { hover, place, leave, update };
}
