// @ts-check
/** Above each column of the diagram: the input and output names, and for each hidden layer
 * buttons that add or remove a neuron, its neuron count and its own activation. */
import { t, tn } from '../i18n.js';
import { online } from '../store.js';
import { allowed, changed, fillSelect, html, limited } from './dom.js';

/** @typedef {import('../protocol.js').SessionConfig} SessionConfig */
/** @typedef {(change: (config: SessionConfig) => void) => void} Edit */

/** "Layer l" above a column. @param {number} l */
const layerIndex = (l) => html('small', 'layer-index', t('net.layerIndex', { l }));

/**
 * @param {HTMLElement} root
 * @param {import('../boot.js').PageSetup} setup
 * @param {{ edit: Edit }} actions
 */
export function createColumnHeads(root, setup, actions) {
  /** @type {[string, string][]} */
  const activations = setup.choices.activation.map((a) => [a, t(`activation.${a}`)]);
  /** @type {unknown[]} */
  const shown = [];

  /** @param {number} index hidden layer index (layer index + 1) @param {number} neurons @param {boolean} live */
  function neuronButtons(index, neurons, live) {
    const l = index + 1;
    const most = setup.limits.max_neurons_per_layer;
    /** @type {[string, string, boolean, number, string][]} */
    const kinds = [['+', t('net.addNeuron', { l }), neurons < most, 1, t('net.maxNeurons', { n: most })],
      ['−', t('net.removeNeuron', { l }), neurons > 1, -1, t('net.minNeurons')]];
    return kinds.map(([text, label, enabled, change, limit]) => {
      const button = /** @type {HTMLButtonElement} */ (html('button', 'mini', text));
      button.type = 'button';
      limited(button, live, enabled, label, limit);
      button.dataset.key = `${index}${change}`;
      button.addEventListener('click', () => allowed(button)
        && actions.edit((c) => { c.network.hidden_layers[index] += change; }));
      return button;
    });
  }

  /** This hidden layer's own σ: choosing one gives every layer its own from then on.
   * @param {number} index @param {SessionConfig} c @param {boolean} live */
  function layerActivation(index, c, live) {
    const select = /** @type {HTMLSelectElement} */ (html('select', 'layer-activation'));
    select.dataset.key = `act${index}`;
    const label = t('net.layerActivation', { l: index + 1 });
    select.title = label;
    select.setAttribute('aria-label', label);
    fillSelect(select, activations);
    select.value = c.network.hidden_activations?.[index] ?? c.network.activation;
    select.disabled = !live;
    select.addEventListener('change', () => actions.edit((config) => {
      const network = config.network;
      const hidden = network.hidden_activations ?? network.hidden_layers.map(() => network.activation);
      hidden[index] = /** @type {typeof hidden[number]} */ (select.value);
      network.hidden_activations = hidden;
    }));
    return select;
  }

  /** @param {number} index @param {number} neurons @param {SessionConfig} c @param {boolean} live */
  function layerHead(index, neurons, c, live) {
    const head = html('div', 'column-head');
    const caption = html('span', '', tn('net.neurons', neurons));
    head.append(layerIndex(index + 1), ...neuronButtons(index, neurons, live), caption, layerActivation(index, c, live));
    return head;
  }

  /** The input's or output's head: its layer number (as the inspector and the equations number
   * layers) and its name. @param {number} l @param {string} name */
  function endHead(l, name) {
    const head = html('div', 'column-head');
    head.append(layerIndex(l), name);
    return head;
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    const c = state.config;
    if (!changed(shown, [c, state.status]) || !c) return;
    const live = online(state);
    const focused = /** @type {HTMLElement} */ (document.activeElement);
    const refocus = root.contains(focused) ? focused.dataset.key : null;
    const depth = c.network.hidden_layers.length + 1;
    root.replaceChildren(endHead(0, t('net.input')),
      ...c.network.hidden_layers.map((n, i) => layerHead(i, n, c, live)),
      endHead(depth, t('net.output')));
    if (refocus) /** @type {HTMLElement | null} */ (root.querySelector(`[data-key="${refocus}"]`))?.focus();
  }

  return { update };
}
