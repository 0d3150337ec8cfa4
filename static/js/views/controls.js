// @ts-check
/** Every control of the page: each edits a copy of the config and hands it to onConfig, then
 * shows what the server confirmed when update() is called. */
import { count } from '../format.js';
import { t } from '../i18n.js';
import { boot } from '../boot.js';
import { drawPixels, drawPoints, pointColour } from '../points.js';
import { createTrainingControls } from './training.js';
import { online, store } from '../store.js';

const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, null];
// Controls that change the session; the view toggles (δ fill, test data) always work.
// The inspector's own buttons follow the training status, not the connection.
// The inspector's own buttons follow the training status, not the connection.
const EVERY_CONTROL = '.topbar button, .topbar select, .topbar input, .panel button:not(.inspector button), '
  + '.panel.data input, .panel select, .panel.training input';
const ALWAYS_LIVE = '.topbar select, .topbar input, .panel.data button, .panel.data input, #play, #reset, #new-seed, '
  + '.stepbar button, .sample-picker button, .panel select, .panel.training input';
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];

/** @param {string} id */
function byId(id) {
  return /** @type {HTMLElement} */ (document.getElementById(id));
}

/** @param {string} id */
function input(id) {
  return /** @type {HTMLInputElement} */ (byId(id));
}

/**
 * @param {HTMLSelectElement} select
 * @param {[string, string][]} options value, label
 */
function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Examples in the training set; mirrors test_count in app/engine/datasets.py. */
export function trainingSize(data) {
  const test = Math.min(Math.max(roundHalfEven(data.n_samples * data.test_ratio), 1), data.n_samples - 1);
  return data.n_samples - test;
}

/** Show a value that is not among the offered ones (a REST-made config) rather than a blank. */
function ensureOption(select, value, label) {
  if (![...select.options].some((o) => o.value === value)) select.add(new Option(label, value));
  select.value = value;
}

/**
 * @param {{ onConfig: (config: any) => void, onCommand: (message: object) => void,
 *           onFill: (mode: string) => void, onShowTest: (show: boolean) => void }} actions
 */
export function createControls(actions) {
  const limits = store.limits;

  /** @param {(config: any) => void} change */
  function edit(change) {
    if (!online()) return;
    const config = structuredClone(store.config);
    change(config);
    const nTrain = trainingSize(config.data);
    config.training.batch_size = Math.min(config.training.batch_size, nTrain);
    store.config = config;
    store.pendingConfig = JSON.stringify(config);
    update();
    actions.onConfig(config);
  }

  const speed = /** @type {HTMLSelectElement} */ (byId('speed'));
  fillSelect(speed, SPEEDS.filter((s) => s === null || s <= limits.max_steps_per_second)
    .map((s) => [String(s), s === null ? t('speed.max') : t('speed.value', { n: count(s) })]));
  speed.addEventListener('change', () => actions.onCommand({
    type: 'speed', steps_per_second: speed.value === 'null' ? null : Number(speed.value) }));

  const rate = /** @type {HTMLSelectElement} */ (byId('learning-rate'));
  fillSelect(rate, LEARNING_RATES.map((r) => [String(r), String(r)]));
  rate.addEventListener('change', () => edit((c) => { c.training.learning_rate = Number(rate.value); }));

  const activations = store.choices.activation.map((a) => [a, t(`activation.${a}`)]);
  /** @type {[string, (c: any, v: string) => void][]} */
  const selects = [
    ['activation', (c, v) => { c.network.activation = v; c.network.hidden_activations = null; }],
    ['output-activation', (c, v) => {
      c.network.output_activation = v;
      // A loss that cannot take this output gives way to one that takes any.
      if (!accepts(c.network.loss, v)) c.network.loss = lossesFor(taskOf(c)).find((l) => accepts(l, v));
    }],
    ['loss', (c, v) => {
      c.network.loss = v;
      if (!accepts(v, c.network.output_activation)) c.network.output_activation = boot.loss_outputs[v][0];
    }],
    ['scaling', (c, v) => { c.data.scaling = v; }],
  ];
  const options = {
    activation: activations,
    'output-activation': store.choices.output_activation.map((a) => [a, t(`activation.${a}`)]),
    loss: store.choices.loss.map((l) => [l, t(`loss.${l}`)]),
    scaling: store.choices.scaling.map((v) => [v, t(`scaling.${v}`)]),
  };
  for (const [id, apply] of selects) {
    const select = /** @type {HTMLSelectElement} */ (byId(id));
    fillSelect(select, options[id]);
    select.addEventListener('change', () => edit((c) => apply(c, select.value)));
  }

  /** @param {string} loss @param {string} output */
  function accepts(loss, output) {
    const allowed = boot.loss_outputs[loss];
    return allowed === null || allowed.includes(output);
  }

  /** The task of the config's data: what the output layer and the loss must suit. */
  function taskOf(/** @type {any} */ c) {
    return c.data.dataset === 'csv' ? store.layout?.task ?? 'binary' : boot.datasets[c.data.dataset].task;
  }

  /** Losses the server takes for a task: cross-entropy only for classes, of the right kind. */
  function lossesFor(/** @type {string} */ task) {
    return store.choices.loss.filter((l) => (task === 'regression' ? !l.endsWith('cross_entropy')
      : l !== (task === 'binary' ? 'categorical_cross_entropy' : 'binary_cross_entropy')));
  }

  /** Outputs the server takes for a task: softmax needs several classes. */
  function outputsFor(/** @type {string} */ task) {
    return store.choices.output_activation.filter((a) => a !== 'softmax' || task === 'multiclass');
  }

  const batch = input('batch-size');
  batch.addEventListener('input', () => {
    byId('batch-size-value').textContent = batch.value;
  });
  batch.addEventListener('change', () => edit((c) => { c.training.batch_size = Number(batch.value); }));

  const datasets = byId('datasets');
  const groups = [['binary', (/** @type {any} */ d) => d.task === 'binary' && d.input_kind === 'plane'],
    ['multiclass', (d) => d.task === 'multiclass' && d.input_kind === 'plane'],
    ['regression', (d) => d.task === 'regression'],
    ['real', (d) => d.input_kind === 'image']];
  datasets.replaceChildren(...groups.map(([group, member]) => {
    const box = document.createElement('div');
    box.className = 'dataset-group';
    const title = document.createElement('p');
    title.className = 'group-title';
    title.textContent = t(`group.${group}`);
    const buttons = document.createElement('div');
    buttons.className = 'datasets';
    buttons.append(...store.choices.dataset.filter((name) => member(boot.datasets[name])).map(datasetButton));
    if (group === 'real') buttons.append(datasetButton('csv'));
    box.append(title, buttons);
    return box;
  }));

  /** A dataset's button, with a picture the engine drew (a few points, or one image). */
  function datasetButton(/** @type {string} */ name) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `dataset ${name}`;
    button.dataset.name = name;
    button.setAttribute('role', 'radio');
    button.setAttribute('aria-checked', 'false');
    const picture = document.createElement('canvas');
    picture.width = 96;
    picture.height = 96;
    picture.setAttribute('aria-hidden', 'true');
    const preview = boot.previews[name];
    const context = /** @type {CanvasRenderingContext2D} */ (picture.getContext('2d'));
    if (preview?.pixels) drawPixels(context, preview.pixels);
    else if (preview) drawPreviewPoints(context, preview);
    const label = document.createElement('span');
    label.textContent = t(`dataset.${name}`);
    button.append(picture, label);
    button.addEventListener('click', () => edit((c) => chooseDataset(c, name)));
    return button;
  }

  /** Points of the plane as they are; a 1-D function's (x, y) stretched to fill the square. */
  function drawPreviewPoints(context, preview) {
    let { points } = preview;
    if (preview.input_kind === 'line') {
      const low = Math.min(...points.x2);
      const high = Math.max(...points.x2);
      const half = Math.max((high - low) / 2, 1e-9);
      points = { ...points, x2: points.x2.map((y) => ((y - (low + high) / 2) / half) * 0.8 * boot.extent) };
    }
    const labels = points.label;
    drawPoints(context, points, boot.extent, 'rgba(255,255,255,0.8)',
      pointColour(preview.task, [Math.min(...labels), Math.max(...labels)]));
  }

  /** A new dataset; a new kind of problem brings its own output layer and loss with it. */
  function chooseDataset(/** @type {any} */ c, /** @type {string} */ name) {
    const before = taskOf(c);
    c.data.dataset = name;
    const after = name === 'csv' ? before : boot.datasets[name].task;
    if (after !== before || !lossesFor(after).includes(c.network.loss)
      || !outputsFor(after).includes(c.network.output_activation)) {
      [c.network.output_activation, c.network.loss] = boot.task_outputs[after];
    }
    const most = boot.datasets[name]?.max_samples;
    if (most) c.data.n_samples = Math.min(most, limits.max_samples);
  }

  const classes = input('classes');
  classes.addEventListener('input', () => { byId('classes-value').textContent = classes.value; });
  classes.addEventListener('change', () => edit((c) => { c.data.classes = Number(classes.value); }));

  const features = byId('features');
  for (const name of store.choices.features) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = name;
    box.addEventListener('change', () => edit((c) => {
      const chosen = new Set(c.data.features);
      if (box.checked) chosen.add(name);
      else chosen.delete(name);
      c.data.features = store.choices.features.filter((f) => chosen.has(f));
    }));
    label.append(box, ` ${t(`feature.${name}`)}`);
    features.append(label);
  }

  const training = createTrainingControls(edit);

  /** @type {[string, string, (c: any, v: number) => void, (c: any) => number, (v: number) => string][]} */
  const sliders = [
    ['noise', 'noise-value', (c, v) => { c.data.noise = v / 100; }, (c) => Math.round(c.data.noise * 100), (v) => `${v}%`],
    ['test-ratio', 'test-ratio-value', (c, v) => { c.data.test_ratio = v / 100; }, (c) => Math.round(c.data.test_ratio * 100), (v) => `${v}%`],
    ['samples', 'samples-value', (c, v) => { c.data.n_samples = v; }, (c) => c.data.n_samples, String],
  ];
  input('samples').max = String(limits.max_samples);
  for (const [id, outId, apply, , show] of sliders) {
    const slider = input(id);
    slider.addEventListener('input', () => { byId(outId).textContent = show(Number(slider.value)); });
    slider.addEventListener('change', () => edit((c) => apply(c, Number(slider.value))));
  }

  byId('regenerate').addEventListener('click', () => edit((c) => {
    c.data.seed = Math.floor(Math.random() * 2 ** 31);
  }));
  byId('add-layer').addEventListener('click', () => edit((c) => {
    const last = c.network.hidden_layers.at(-1) ?? 2;
    c.network.hidden_layers.push(last);
    c.network.hidden_activations?.push(c.network.hidden_activations.at(-1) ?? c.network.activation);
  }));
  byId('remove-layer').addEventListener('click', () => edit((c) => {
    c.network.hidden_layers.pop();
    c.network.hidden_activations?.pop();
    if (c.network.hidden_activations?.length === 0) c.network.hidden_activations = null;
  }));
  byId('play').addEventListener('click', () => actions.onCommand({
    type: store.status === 'running' ? 'pause' : 'play' }));
  byId('step').addEventListener('click', () => actions.onCommand({ type: 'step' }));
  byId('reset').addEventListener('click', () => actions.onCommand({ type: 'reset' }));
  byId('new-seed').addEventListener('click', () => actions.onCommand({
    type: 'reset', seed: Math.floor(Math.random() * 2 ** 31) }));
  for (const radio of document.querySelectorAll('input[name="fill"]')) {
    radio.addEventListener('change', () => actions.onFill(/** @type {HTMLInputElement} */ (radio).value));
  }
  const showTest = input('show-test');
  showTest.addEventListener('change', () => actions.onShowTest(showTest.checked));

  /** The +/− buttons and neuron counts above each column of the diagram. */
  function renderColumnHeads() {
    const hidden = store.config.network.hidden_layers;
    const container = byId('column-heads');
    const focused = /** @type {HTMLElement} */ (document.activeElement);
    const refocus = container.contains(focused) ? focused.dataset.key : null;
    const heads = [labelHead(t('net.input'))];
    hidden.forEach((n, i) => heads.push(layerHead(i, n)));
    heads.push(labelHead(t('net.output')));
    container.replaceChildren(...heads);
    if (refocus) /** @type {HTMLElement | null} */ (container.querySelector(`[data-key="${refocus}"]`))?.focus();
  }

  function labelHead(text) {
    const head = document.createElement('div');
    head.className = 'column-head';
    head.textContent = text;
    return head;
  }

  function layerHead(index, neurons) {
    const head = labelHead('');
    const l = index + 1;
    const buttons = [
      ['+', t('net.addNeuron', { l }), neurons < limits.max_neurons_per_layer, 1],
      ['−', t('net.removeNeuron', { l }), neurons > 1, -1],
    ].map(([text, label, enabled, change]) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'mini';
      button.textContent = String(text);
      button.title = String(label);
      button.setAttribute('aria-label', String(label));
      button.disabled = !enabled;
      button.dataset.key = `${index}${change}`;
      button.addEventListener('click', () => edit((c) => {
        c.network.hidden_layers[index] += Number(change);
      }));
      return button;
    });
    const caption = document.createElement('span');
    caption.textContent = neurons === 1 ? t('net.neuron') : t('net.neurons', { n: neurons });
    head.append(...buttons, caption, layerActivation(index));
    return head;
  }

  /** This hidden layer's own σ: choosing one gives every layer its own from then on. */
  function layerActivation(/** @type {number} */ index) {
    const select = document.createElement('select');
    select.className = 'layer-activation';
    select.dataset.key = `act${index}`;
    const label = t('net.layerActivation', { l: index + 1 });
    select.title = label;
    select.setAttribute('aria-label', label);
    fillSelect(select, activations);
    const network = store.config.network;
    select.value = network.hidden_activations?.[index] ?? network.activation;
    select.addEventListener('change', () => edit((c) => {
      const hidden = c.network.hidden_activations ?? c.network.hidden_layers.map(() => c.network.activation);
      hidden[index] = select.value;
      c.network.hidden_activations = hidden;
    }));
    return select;
  }

  /** Show the config (confirmed, or just edited) and the status; offline, nothing is live. */
  function update() {
    if (store.config) showConfig(store.config);
    const live = online();
    // Online, showConfig has set the buttons whose state depends on the config.
    for (const control of document.querySelectorAll(live ? ALWAYS_LIVE : EVERY_CONTROL)) {
      /** @type {HTMLInputElement} */ (control).disabled = !live;
    }
  }

  /** @param {any} c */
  function showConfig(c) {
    const speedLabel = store.stepsPerSecond === null ? t('speed.max') : t('speed.value', { n: count(store.stepsPerSecond) });
    ensureOption(speed, String(store.stepsPerSecond), speedLabel);
    ensureOption(rate, String(c.training.learning_rate), String(c.training.learning_rate));
    /** @type {HTMLSelectElement} */ (byId('activation')).value = c.network.activation;
    const task = taskOf(c);
    const output = /** @type {HTMLSelectElement} */ (byId('output-activation'));
    for (const option of output.options) option.disabled = !outputsFor(task).includes(option.value);
    output.value = c.network.output_activation;
    const loss = /** @type {HTMLSelectElement} */ (byId('loss'));
    for (const option of loss.options) option.disabled = !lossesFor(task).includes(option.value);
    loss.value = c.network.loss;
    const unwise = boot.loss_unwise[c.network.loss].includes(c.network.output_activation);
    const warning = byId('loss-warning');
    warning.hidden = !unwise;
    warning.textContent = unwise ? t('loss.unwise', { loss: t(`loss.${c.network.loss}`),
      output: t(`activation.${c.network.output_activation}`) }) : '';
    /** @type {HTMLSelectElement} */ (byId('scaling')).value = c.data.scaling;
    const info = boot.datasets[c.data.dataset];
    byId('classes-control').hidden = !info?.takes_classes;
    classes.value = String(c.data.classes);
    byId('classes-value').textContent = String(c.data.classes);
    const plane = c.data.dataset === 'csv' ? false : info.input_kind === 'plane';
    // An uploaded table is what it is: there is nothing to generate, jitter or draw again.
    for (const id of ['noise', 'samples', 'regenerate']) {
      (byId(id).closest('label') ?? byId(id)).hidden = c.data.dataset === 'csv';
    }
    features.hidden = !plane;
    for (const box of features.querySelectorAll('input')) {
      const checkbox = /** @type {HTMLInputElement} */ (box);
      checkbox.checked = c.data.features.includes(checkbox.value);
      // The last feature left stays: a network needs an input.
      checkbox.disabled = checkbox.checked && c.data.features.length === 1;
    }
    training.show(c);
    const nTrain = trainingSize(c.data);
    batch.max = String(nTrain);
    batch.value = String(c.training.batch_size);
    byId('batch-size-value').textContent = String(c.training.batch_size);
    const n = c.training.batch_size;
    byId('batch-mode').textContent = n === 1 ? t('batch.sgd') : t(n >= nTrain ? 'batch.full' : 'batch.mini', { n });
    for (const [id, outId, , read, show] of sliders) {
      input(id).value = String(read(c));
      byId(outId).textContent = show(read(c));
    }
    for (const button of datasets.querySelectorAll('.dataset')) {
      const name = /** @type {HTMLElement} */ (button).dataset.name;
      button.setAttribute('aria-checked', String(name === c.data.dataset));
      if (name === 'csv') /** @type {HTMLElement} */ (button).hidden = !store.uploaded && c.data.dataset !== 'csv';
    }
    const layers = c.network.hidden_layers.length;
    byId('layer-count').textContent = layers === 0 ? t('net.noHiddenLayer')
      : layers === 1 ? t('net.hiddenLayer') : t('net.hiddenLayers', { n: layers });
    /** @type {HTMLButtonElement} */ (byId('add-layer')).disabled = layers >= limits.max_hidden_layers;
    /** @type {HTMLButtonElement} */ (byId('remove-layer')).disabled = layers === 0;
    byId('seed-value').textContent = String(c.seed);
    const play = byId('play');
    play.classList.toggle('playing', store.status === 'running');
    play.setAttribute('aria-label', store.status === 'running' ? t('control.pause') : t('control.play'));
    renderColumnHeads();
    /** @type {HTMLButtonElement} */ (byId('step')).disabled = store.status === 'diverged';
  }

  update();
  return { update };
}
