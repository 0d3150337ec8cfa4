// @ts-check
/** The top bar's hyperparameters: speed, learning rate, activations, loss and batch size.
 * Outputs and losses are those some allowed pair of the task has; a choice that breaks its pair
 * mends it (choices.js). */
import { chooseLoss, chooseOutput, offered, taskOf } from '../choices.js';
import { count } from '../format.js';
import { t } from '../i18n.js';
import { online } from '../store.js';
import { inputRange } from '../bounds.js';
import { changed, enable, ensureOption, fillSelect, part, setRange } from './dom.js';

/** @typedef {import('../store.js').State} State */
/** @typedef {import('../protocol.js').SessionConfig} SessionConfig */
/** @typedef {import('../boot.js').PageSetup} PageSetup */

const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, null];
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];

/** @param {number | null} speed */
const speedLabel = (speed) => (speed === null ? t('speed.max') : t('speed.value', { n: count(speed) }));

/**
 * @param {HTMLElement} root
 * @param {PageSetup} setup
 * @param {{ send: (message: import('../protocol.js').ClientMessage) => void,
 *           edit: (change: (config: SessionConfig) => void) => void }} actions
 */
export function createHyper(root, setup, actions) {
  const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ (part(root, id));
  const [speed, rate, activation, output, loss] = ['#speed', '#learning-rate', '#activation',
    '#output-activation', '#loss'].map(select);
  const warning = part(root, '#loss-warning');
  const batch = /** @type {HTMLInputElement} */ (part(root, '#batch-size'));
  const batchValue = part(root, '#batch-size-value');
  const batchMode = part(root, '#batch-mode');
  /** The task of the config shown, for the pairs that fit it. @type {import('../choices.js').Task} */
  let task = 'binary';
  /** @type {unknown[]} */
  const shown = [];

  fillSelect(speed, SPEEDS
    .filter((s) => s === null || s <= setup.limits.max_steps_per_second)
    .map((s) => [String(s), speedLabel(s)]));
  speed.addEventListener('change', () => {
    actions.send({ type: 'speed', steps_per_second: speed.value === 'null' ? null : Number(speed.value) });
  });
  fillSelect(rate, LEARNING_RATES.map((r) => [String(r), String(r)]));
  rate.addEventListener('change', () => actions.edit((c) => { c.training.learning_rate = Number(rate.value); }));
  fillSelect(activation, setup.choices.activation.map((a) => [a, t(`activation.${a}`)]));
  activation.addEventListener('change', () => actions.edit((c) => {
    c.network.activation = /** @type {SessionConfig['network']['activation']} */ (activation.value);
    c.network.hidden_activations = null;
  }));
  fillSelect(output, setup.choices.output_activation.map((a) => [a, t(`activation.${a}`)]));
  output.addEventListener('change', () => actions.edit((c) => chooseOutput(setup, task, c, output.value)));
  fillSelect(loss, setup.choices.loss.map((l) => [l, t(`loss.${l}`)]));
  loss.addEventListener('change', () => actions.edit((c) => chooseLoss(setup, task, c, loss.value)));
  setRange(batch, inputRange(setup, 'training.batch_size'));
  batch.addEventListener('input', () => { batchValue.textContent = batch.value; });
  batch.addEventListener('change', () => actions.edit((c) => { c.training.batch_size = Number(batch.value); }));

  /** A warning under the loss for a pair that is allowed but learns slowly. @param {SessionConfig} c */
  function warn(c) {
    const unwise = setup.loss_unwise[c.network.loss].includes(c.network.output_activation);
    warning.hidden = !unwise;
    warning.textContent = unwise ? t('loss.unwise', { loss: t(`loss.${c.network.loss}`),
      output: t(`activation.${c.network.output_activation}`) }) : '';
  }

  /** @param {SessionConfig} c @param {number} nTrain examples in the training set */
  function showBatch(c, nTrain) {
    const n = c.training.batch_size;
    batch.max = String(nTrain);
    batch.value = String(n);
    batchValue.textContent = String(n);
    batchMode.textContent = n === 1 ? t('batch.sgd') : t(n >= nTrain ? 'batch.full' : 'batch.mini', { n });
  }

  /** @param {State} state */
  function update(state) {
    const c = state.config;
    if (!changed(shown, [c, state.status, state.stepsPerSecond, state.layout]) || !c) return;
    ensureOption(speed, String(state.stepsPerSecond), speedLabel(state.stepsPerSecond));
    ensureOption(rate, String(c.training.learning_rate), String(c.training.learning_rate));
    activation.value = c.network.activation;
    task = taskOf(setup, c, state.layout?.task);
    const fits = offered(setup, task);
    for (const option of output.options) option.disabled = !fits.outputs.has(option.value);
    output.value = c.network.output_activation;
    for (const option of loss.options) option.disabled = !fits.losses.has(option.value);
    loss.value = c.network.loss;
    warn(c);
    if (state.layout) showBatch(c, state.layout.train_size);
    enable(root.querySelectorAll('select, input'), online(state));
  }

  return { update };
}
