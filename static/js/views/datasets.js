// @ts-check
/** The dataset buttons, grouped by kind of problem, each with a picture the engine drew (a few
 * points, or one image). */
import { t } from '../i18n.js';
import { drawPixels, drawPoints, pointColour } from '../points.js';
import { html } from './dom.js';

/** @typedef {import('../boot.js').PageSetup} PageSetup */
/** @typedef {import('../boot.js').DatasetChoice} DatasetChoice */
/** @typedef {import('../boot.js').DatasetPreview} DatasetPreview */

/** @type {[string, (d: DatasetChoice) => boolean][]} */
const GROUPS = [['binary', (d) => d.task === 'binary' && d.input_kind === 'plane'],
  ['multiclass', (d) => d.task === 'multiclass' && d.input_kind === 'plane'],
  ['regression', (d) => d.task === 'regression'],
  ['real', (d) => d.input_kind === 'image']];

/**
 * Fill the radio group with every dataset's button; "your own data" joins the real ones.
 * @param {HTMLElement} root @param {PageSetup} setup @param {(name: string) => void} onChoose
 */
export function buildDatasetButtons(root, setup, onChoose) {
  root.replaceChildren(...GROUPS.map(([group, member]) => {
    const box = html('div', 'dataset-group');
    const buttons = html('div', 'datasets');
    const names = setup.choices.dataset.filter((name) => member(setup.datasets[name]));
    buttons.append(...names.map((name) => datasetButton(name, setup, onChoose)));
    if (group === 'real') buttons.append(datasetButton('csv', setup, onChoose));
    box.append(html('p', 'group-title', t(`group.${group}`)), buttons);
    return box;
  }));
}

/** @param {string} name @param {PageSetup} setup @param {(name: string) => void} onChoose */
function datasetButton(name, setup, onChoose) {
  const button = /** @type {HTMLButtonElement} */ (html('button', `dataset ${name}`));
  button.type = 'button';
  button.dataset.name = name;
  button.setAttribute('role', 'radio');
  button.setAttribute('aria-checked', 'false');
  const picture = /** @type {HTMLCanvasElement} */ (html('canvas'));
  picture.width = 96;
  picture.height = 96;
  picture.setAttribute('aria-hidden', 'true');
  const preview = setup.previews[name];
  const context = /** @type {CanvasRenderingContext2D} */ (picture.getContext('2d'));
  if (preview?.pixels) drawPixels(context, preview.pixels);
  else if (preview) drawPreview(context, preview, setup.extent);
  button.append(picture, html('span', '', t(`dataset.${name}`)));
  button.addEventListener('click', () => onChoose(name));
  return button;
}

/** Points of the plane as they are; a 1-D function's (x, y) stretched to fill the square.
 * @param {CanvasRenderingContext2D} context @param {DatasetPreview} preview @param {number} extent */
function drawPreview(context, preview, extent) {
  let points = /** @type {import('../protocol.js').Points} */ (preview.points);
  if (preview.input_kind === 'line') {
    const low = Math.min(...points.x2);
    const high = Math.max(...points.x2);
    const half = Math.max((high - low) / 2, 1e-9);
    points = { ...points, x2: points.x2.map((y) => ((y - (low + high) / 2) / half) * 0.8 * extent) };
  }
  const labels = points.label;
  drawPoints(context, points, extent, 'rgba(255,255,255,0.8)',
    pointColour(preview.task, [Math.min(...labels), Math.max(...labels)]));
}
