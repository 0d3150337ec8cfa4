// @ts-check
/** The training panel: optimizer and its hyperparameters, learning-rate decay, regularization,
 * weight initialization and the leaky ReLU slope. Each edit goes through the store, so it is
 * confirmed or rolled back like every other. */
import { t } from '../i18n.js';
import { online } from '../store.js';
import { inputRange } from '../bounds.js';
import { changed, enable, html, part, setRange } from './dom.js';

/** @typedef {import('../protocol.js').SessionConfig} SessionConfig */
/** @typedef {SessionConfig['training']} Training */
/** @typedef {(change: (config: SessionConfig) => void) => void} Edit */
/** @typedef {'optimizer' | 'decay' | 'regularization'} Kind */

/** How finely each field's arrows move it (its range comes from the server's bounds). */
const STEPS = /** @type {Record<string, string>} */ ({
  momentum: '0.01', rho: '0.01', epsilon: 'any', beta1: '0.01', beta2: '0.001', decay_rate: '0.01',
  decay_steps: '1', regularization_rate: 'any', leaky_slope: '0.01',
});
const DECAY = /** @type {(keyof Training)[]} */ (['decay_rate', 'decay_steps']);
/** The settings each choice brings. @type {Record<Kind, Record<string, (keyof Training)[]>>} */
const SETTINGS = {
  optimizer: { sgd: [], momentum: ['momentum'], nesterov: ['momentum'], rmsprop: ['rho', 'epsilon'],
    adam: ['beta1', 'beta2', 'epsilon'] },
  decay: { none: [], exponential: DECAY, inverse_time: DECAY, step: DECAY },
  regularization: { none: [], l1: ['regularization_rate'], l2: ['regularization_rate'] },
};

/**
 * @param {HTMLElement} root
 * @param {import('../boot.js').PageSetup} setup
 * @param {{ edit: Edit }} actions
 */
export function createTrainingPanel(root, setup, actions) {
  /** @type {Record<string, HTMLSelectElement>} */
  const selects = {};
  for (const kind of ['optimizer', 'decay', 'regularization', 'init']) {
    const select = /** @type {HTMLSelectElement} */ (part(root, `#${kind}`));
    select.replaceChildren(...setup.choices[kind].map((v) => new Option(t(`${kind}.${v}`), v)));
    select.addEventListener('change', () => actions.edit((c) => {
      if (kind === 'init') c.network.init = /** @type {SessionConfig['network']['init']} */ (select.value);
      else /** @type {Record<string, unknown>} */ (c.training)[kind] = select.value;
    }));
    selects[kind] = select;
  }
  /** Which fields each box shows, so that they are rebuilt only when the choice changes. */
  const built = { optimizer: '', decay: '', regularization: '', leaky: '' };
  /** @type {unknown[]} */
  const shown = [];

  /** Number fields for the chosen option. @param {Kind} kind @param {SessionConfig} c */
  function fields(kind, c) {
    const box = part(root, `#${kind}-settings`);
    const choice = c.training[kind];
    if (built[kind] !== choice) {
      built[kind] = choice;
      box.replaceChildren(...(SETTINGS[kind][choice] ?? []).map((field) => numberField(
        field, t(`hyper.${field}`), inputRange(setup, `training.${field}`), (v) => actions.edit((config) => {
          /** @type {Record<string, unknown>} */ (config.training)[field] = v;
        }))));
    }
    for (const input of box.querySelectorAll('input')) {
      if (document.activeElement !== input) input.value = String(c.training[/** @type {keyof Training} */ (input.name)]);
    }
  }

  /** Leaky ReLU's slope, wherever a layer uses it. @param {SessionConfig} c */
  function leaky(c) {
    const box = part(root, '#leaky-settings');
    const n = c.network;
    const used = [...(n.hidden_activations ?? [n.activation]), n.output_activation].includes('leaky_relu');
    if (String(used) !== built.leaky) {
      built.leaky = String(used);
      box.replaceChildren(...(used ? [numberField('leaky_slope', t('label.leakySlope'), inputRange(setup, 'network.leaky_slope'),
        (v) => actions.edit((config) => { config.network.leaky_slope = v; }))] : []));
    }
    const input = box.querySelector('input');
    if (input && document.activeElement !== input) input.value = String(n.leaky_slope);
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    const c = state.config;
    if (!changed(shown, [c, state.status]) || !c) return;
    selects.optimizer.value = c.training.optimizer;
    selects.decay.value = c.training.decay;
    selects.regularization.value = c.training.regularization;
    selects.init.value = c.network.init;
    fields('optimizer', c);
    fields('decay', c);
    fields('regularization', c);
    leaky(c);
    enable(root.querySelectorAll('select, input'), online(state));
  }

  return { update };
}

/**
 * @param {string} name config field
 * @param {string} text label
 * @param {{ min?: number, max?: number }} range
 * @param {(value: number) => void} change
 */
function numberField(name, text, range, change) {
  const label = html('label', 'setting');
  const input = /** @type {HTMLInputElement} */ (html('input'));
  input.type = 'number';
  input.name = name;
  setRange(input, range);
  input.step = STEPS[name] ?? 'any';
  input.addEventListener('change', () => {
    const value = Number(input.value);
    if (input.value !== '' && Number.isFinite(value)) change(value);
  });
  label.append(text, input);
  return label;
}
