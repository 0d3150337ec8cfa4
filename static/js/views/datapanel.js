// @ts-check
/** The data panel: which dataset, how many classes, the input features and their scaling,
 * noise, test share and sample count, and new points. Your own CSV is a view of its own inside. */
import { inputRange } from '../bounds.js';
import { chooseDataset } from '../choices.js';
import { t } from '../i18n.js';
import { online } from '../store.js';
import { buildDatasetButtons } from './datasets.js';
import { changed, enable, fillSelect, html, part, setRange } from './dom.js';
import { createUpload } from './upload.js';

/** @typedef {import('../store.js').State} State */
/** @typedef {import('../protocol.js').SessionConfig} SessionConfig */
/** @typedef {(change: (config: SessionConfig) => void) => void} Edit */
/** @typedef {SessionConfig['data']['features'][number]} Feature */

/**
 * A slider: its config path, what the slider shows per unit of the setting, and how it reads.
 * @typedef {{ id: string, path: string, scale: number, apply: (c: SessionConfig, v: number) => void,
 *   read: (c: SessionConfig) => number, show: (v: number) => string }} Slider
 */
/** @type {Slider[]} */
const SLIDERS = [
  { id: 'classes', path: 'data.classes', scale: 1, apply: (c, v) => { c.data.classes = v; }, read: (c) => c.data.classes, show: String },
  { id: 'noise', path: 'data.noise', scale: 100, apply: (c, v) => { c.data.noise = v / 100; }, read: (c) => Math.round(c.data.noise * 100), show: (v) => `${v}%` },
  { id: 'test-ratio', path: 'data.test_ratio', scale: 100, apply: (c, v) => { c.data.test_ratio = v / 100; }, read: (c) => Math.round(c.data.test_ratio * 100), show: (v) => `${v}%` },
  { id: 'samples', path: 'data.n_samples', scale: 1, apply: (c, v) => { c.data.n_samples = v; }, read: (c) => c.data.n_samples, show: String },
];
// Generated data only: an uploaded table is what it is, with nothing to jitter or draw again.
const GENERATOR_ONLY = ['noise', 'samples', 'regenerate'];

/**
 * @param {HTMLElement} root
 * @param {import('../boot.js').PageSetup} setup
 * @param {{ edit: Edit, upload: (file: File, target: string) => void }} actions
 */
export function createDataPanel(root, setup, actions) {
  const datasets = part(root, '#datasets');
  const maxSamples = inputRange(setup, 'data.n_samples').max ?? setup.limits.max_samples;
  buildDatasetButtons(datasets, setup, (name) => actions.edit((c) => chooseDataset(
    setup, c, name, layoutTask, maxSamples)));
  const features = part(root, '#features');
  const featureNames = /** @type {Feature[]} */ (setup.choices.features);
  features.append(...featureNames.map((name) => featureBox(name)));
  const scaling = /** @type {HTMLSelectElement} */ (part(root, '#scaling'));
  fillSelect(scaling, setup.choices.scaling.map((v) => [v, t(`scaling.${v}`)]));
  scaling.addEventListener('change', () => actions.edit((c) => {
    c.data.scaling = /** @type {SessionConfig['data']['scaling']} */ (scaling.value);
  }));
  for (const slider of SLIDERS) listenSlider(slider);
  part(root, '#regenerate').addEventListener('click', () => actions.edit((c) => {
    c.data.seed = Math.floor(Math.random() * 2 ** 31);
  }));
  const upload = createUpload(part(root, '.upload'), setup, actions);
  /** @type {import('../choices.js').Task | undefined} the uploaded table's task, which "your own data" keeps */
  let layoutTask;
  /** @type {unknown[]} */
  const shown = [];

  /** A checkbox for one input feature; the set keeps the catalogue's order.
   * @param {Feature} name */
  function featureBox(name) {
    const label = html('label');
    const box = /** @type {HTMLInputElement} */ (html('input'));
    box.type = 'checkbox';
    box.value = name;
    box.addEventListener('change', () => actions.edit((c) => {
      const chosen = new Set(c.data.features);
      if (box.checked) chosen.add(name);
      else chosen.delete(name);
      c.data.features = featureNames.filter((f) => chosen.has(f));
    }));
    label.append(box, ` ${t(`feature.${name}`)}`);
    return label;
  }

  /** @param {Slider} slider */
  function listenSlider({ id, path, scale, apply, show }) {
    const input = /** @type {HTMLInputElement} */ (part(root, `#${id}`));
    setRange(input, inputRange(setup, path, scale));
    const output = part(root, `#${id}-value`);
    input.addEventListener('input', () => { output.textContent = show(Number(input.value)); });
    input.addEventListener('change', () => actions.edit((c) => apply(c, Number(input.value))));
  }

  /** @param {SessionConfig} c @param {boolean} live */
  function showFeatures(c, live) {
    const info = setup.datasets[c.data.dataset];
    features.hidden = c.data.dataset === 'csv' || info.input_kind !== 'plane';
    for (const box of features.querySelectorAll('input')) {
      box.checked = c.data.features.includes(/** @type {Feature} */ (box.value));
      // The last feature left stays: a network needs an input.
      box.disabled = !live || (box.checked && c.data.features.length === 1);
    }
  }

  /** @param {SessionConfig} c @param {boolean} uploaded */
  function showDatasets(c, uploaded) {
    for (const button of datasets.querySelectorAll('.dataset')) {
      const name = /** @type {HTMLElement} */ (button).dataset.name;
      button.setAttribute('aria-checked', String(name === c.data.dataset));
      if (name === 'csv') /** @type {HTMLElement} */ (button).hidden = !uploaded && c.data.dataset !== 'csv';
    }
  }

  /** @param {State} state */
  function update(state) {
    upload.update(state);
    const c = state.config;
    if (!changed(shown, [c, state.status, state.uploaded, state.layout]) || !c) return;
    layoutTask = state.layout?.task;
    const live = online(state);
    enable(root.querySelectorAll('button, input:not(.upload input), select'), live);
    showDatasets(c, state.uploaded);
    part(root, '#classes-control').hidden = !setup.datasets[c.data.dataset]?.takes_classes;
    scaling.value = c.data.scaling;
    for (const { id, read, show } of SLIDERS) {
      /** @type {HTMLInputElement} */ (part(root, `#${id}`)).value = String(read(c));
      part(root, `#${id}-value`).textContent = show(read(c));
    }
    for (const id of GENERATOR_ONLY) {
      const control = part(root, `#${id}`);
      (control.closest('label') ?? control).hidden = c.data.dataset === 'csv';
    }
    showFeatures(c, live);
  }

  return { update };
}
