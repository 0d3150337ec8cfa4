// @ts-check
/** The network panel's head: add or remove a hidden layer, how many there are, and what the
 * neurons are filled with (their map, activation or δ). */
import { t, tn } from '../i18n.js';
import { online } from '../store.js';
import { allowed, changed, limited, part } from './dom.js';

/** @typedef {import('../protocol.js').SessionConfig} SessionConfig */
/** @typedef {import('../store.js').Fill} Fill */

/**
 * @param {HTMLElement} root
 * @param {import('../boot.js').PageSetup} setup
 * @param {{ edit: (change: (config: SessionConfig) => void) => void, setFill: (fill: Fill) => void }} actions
 */
export function createNetworkHead(root, setup, actions) {
  const add = /** @type {HTMLButtonElement} */ (part(root, '#add-layer'));
  const remove = /** @type {HTMLButtonElement} */ (part(root, '#remove-layer'));
  const layerCount = part(root, '#layer-count');
  add.addEventListener('click', () => allowed(add) && actions.edit((c) => {
    c.network.hidden_layers.push(c.network.hidden_layers.at(-1) ?? 2);
    c.network.hidden_activations?.push(c.network.hidden_activations.at(-1) ?? c.network.activation);
  }));
  remove.addEventListener('click', () => allowed(remove) && actions.edit((c) => {
    c.network.hidden_layers.pop();
    c.network.hidden_activations?.pop();
    if (c.network.hidden_activations?.length === 0) c.network.hidden_activations = null;
  }));
  for (const radio of root.querySelectorAll('input[name="fill"]')) {
    radio.addEventListener('change', () => actions.setFill(/** @type {Fill} */ (/** @type {HTMLInputElement} */ (radio).value)));
  }
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function update(state) {
    const c = state.config;
    if (!changed(shown, [c, state.status])) return;
    const layers = c?.network.hidden_layers.length ?? 0;
    if (c) {
      layerCount.textContent = layers === 0 ? t('net.noHiddenLayer') : tn('net.hiddenLayers', layers);
    }
    const live = online(state);
    const most = setup.limits.max_hidden_layers;
    limited(add, live, layers < most, t('net.addLayer'), t('net.maxLayers', { n: most }));
    limited(remove, live, layers > 0, t('net.removeLayer'), t('net.noLayerToRemove'));
  }

  return { update };
}
