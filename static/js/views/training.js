// @ts-check
/** The training panel: optimizer and its hyperparameters, learning-rate decay, regularization,
 * weight initialization and the leaky ReLU slope. Each edit goes through the controls' editor,
 * so it is confirmed or rolled back like every other. */
import { t } from '../i18n.js';
import { store } from '../store.js';

/** The settings each choice brings, as (config field, catalogue key, input attributes). */
const SETTINGS = {
  optimizer: {
    sgd: [],
    momentum: [['momentum', 'hyper.momentum', { min: 0, max: 0.999, step: 0.01 }]],
    nesterov: [['momentum', 'hyper.momentum', { min: 0, max: 0.999, step: 0.01 }]],
    rmsprop: [['rho', 'hyper.rho', { min: 0.01, max: 0.999, step: 0.01 }],
      ['epsilon', 'hyper.epsilon', { min: 1e-12, max: 1, step: 'any' }]],
    adam: [['beta1', 'hyper.beta1', { min: 0, max: 0.999, step: 0.01 }],
      ['beta2', 'hyper.beta2', { min: 0.5, max: 0.9999, step: 0.001 }],
      ['epsilon', 'hyper.epsilon', { min: 1e-12, max: 1, step: 'any' }]],
  },
  decay: {
    none: [],
    exponential: [['decay_rate', 'hyper.decay_rate', { min: 0.01, max: 10, step: 0.01 }],
      ['decay_steps', 'hyper.decay_steps', { min: 1, max: 1000000, step: 1 }]],
    inverse_time: [['decay_rate', 'hyper.decay_rate', { min: 0.01, max: 10, step: 0.01 }],
      ['decay_steps', 'hyper.decay_steps', { min: 1, max: 1000000, step: 1 }]],
    step: [['decay_rate', 'hyper.decay_rate', { min: 0.01, max: 10, step: 0.01 }],
      ['decay_steps', 'hyper.decay_steps', { min: 1, max: 1000000, step: 1 }]],
  },
  regularization: {
    none: [],
    l1: [['regularization_rate', 'hyper.regularization_rate', { min: 0, max: 10, step: 'any' }]],
    l2: [['regularization_rate', 'hyper.regularization_rate', { min: 0, max: 10, step: 'any' }]],
  },
};

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {(change: (config: any) => void) => void} edit */
export function createTrainingControls(edit) {
  for (const kind of ['optimizer', 'decay', 'regularization', 'init']) {
    const select = /** @type {HTMLSelectElement} */ (byId(kind));
    select.replaceChildren(...store.choices[kind].map((v) => new Option(t(`${kind}.${v}`), v)));
    select.addEventListener('change', () => edit((c) => {
      if (kind === 'init') c.network.init = select.value;
      else c.training[kind] = select.value;
    }));
  }
  const shown = { optimizer: '', decay: '', regularization: '', leaky: '' };

  /** Number fields for the chosen option; rebuilt only when the option changes. */
  function fields(/** @type {string} */ kind, /** @type {string} */ choice, /** @type {any} */ c) {
    const root = byId(`${kind}-settings`);
    if (shown[kind] !== choice) {
      shown[kind] = choice;
      root.replaceChildren(...SETTINGS[kind][choice].map(([field, key, attrs]) => numberField(
        field, t(key), attrs, (v) => edit((config) => { config.training[field] = v; }))));
    }
    for (const input of root.querySelectorAll('input')) {
      const field = /** @type {HTMLInputElement} */ (input);
      if (document.activeElement !== field) field.value = String(c.training[field.name]);
    }
  }

  /** Leaky ReLU's slope, wherever a layer uses it. */
  function leaky(/** @type {any} */ c) {
    const root = byId('leaky-settings');
    const used = [...(c.network.hidden_activations ?? [c.network.activation]), c.network.output_activation]
      .includes('leaky_relu');
    if (String(used) !== shown.leaky) {
      shown.leaky = String(used);
      root.replaceChildren(...(used ? [numberField('leaky_slope', t('label.leakySlope'),
        { min: 0.001, max: 0.999, step: 0.01 }, (v) => edit((config) => { config.network.leaky_slope = v; }))] : []));
    }
    const input = /** @type {HTMLInputElement | null} */ (root.querySelector('input'));
    if (input && document.activeElement !== input) input.value = String(c.network.leaky_slope);
  }

  function show(/** @type {any} */ c) {
    /** @type {HTMLSelectElement} */ (byId('optimizer')).value = c.training.optimizer;
    /** @type {HTMLSelectElement} */ (byId('decay')).value = c.training.decay;
    /** @type {HTMLSelectElement} */ (byId('regularization')).value = c.training.regularization;
    /** @type {HTMLSelectElement} */ (byId('init')).value = c.network.init;
    fields('optimizer', c.training.optimizer, c);
    fields('decay', c.training.decay, c);
    fields('regularization', c.training.regularization, c);
    leaky(c);
  }

  return { show };
}

/**
 * @param {string} name config field
 * @param {string} text label
 * @param {Record<string, number | string>} attrs
 * @param {(value: number) => void} change
 */
function numberField(name, text, attrs, change) {
  const label = document.createElement('label');
  label.className = 'setting';
  const input = document.createElement('input');
  input.type = 'number';
  input.name = name;
  for (const [key, value] of Object.entries(attrs)) input.setAttribute(key, String(value));
  input.addEventListener('change', () => {
    const value = Number(input.value);
    if (input.value !== '' && Number.isFinite(value)) change(value);
  });
  label.append(text, input);
  return label;
}
