// @ts-check
/** A few test images with the network's answer under each: green when right, red with the true
 * label when wrong, so that one sees which digits it confuses, not only how often. Images are
 * drawn once per dataset; frames only change the labels. */
import { count } from '../format.js';
import { t } from '../i18n.js';

/** @typedef {{ pixels: number[], label: number }} Image */

// Enough to see the kinds of mistakes, few enough to fit the side panel (6 × 4).
const MAX_IMAGES = 24;
const SIDE = 8;
const INK = [31, 41, 51];

/** @param {string} tag @param {string} [className] @param {string} [content] */
function html(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content !== undefined) el.textContent = content;
  return el;
}

/** One 8×8 canvas, one backing pixel per image pixel: CSS scales it up with
 * `image-rendering: pixelated`, which stays crisp at any screen pixel ratio. */
function thumbnail(/** @type {number[]} */ pixels) {
  const canvas = document.createElement('canvas');
  canvas.width = SIDE;
  canvas.height = SIDE;
  canvas.setAttribute('aria-hidden', 'true');
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const image = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i += 1) {
    const ink = Math.max(0, Math.min(1, pixels[i] ?? 0));
    image.data.set([...INK.map((c) => Math.round(255 + (c - 255) * ink)), 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** @param {HTMLElement} root */
export function createGallery(root) {
  /** @type {Image[]} */
  let images = [];
  /** @type {string[]} */
  let names = [];
  /** @type {{ figure: HTMLElement, label: HTMLElement, truth: HTMLElement, shown: number }[]} */
  let tiles = [];
  const summary = html('span', 'gallery-summary');

  /** @param {number} k */
  const nameOf = (k) => names[k] ?? String(k);

  /** @param {Image} image */
  function tile(image) {
    const figure = html('figure', 'gallery-item pending');
    const label = html('span', 'gallery-predicted', '–');
    const truth = html('span', 'gallery-true');
    const caption = html('figcaption');
    caption.setAttribute('aria-hidden', 'true');
    caption.append(label, truth);
    figure.append(thumbnail(image.pixels), caption);
    figure.setAttribute('aria-label', t('results.gallery.unknown', { actual: nameOf(image.label) }));
    return { figure, label, truth, shown: -1 };
  }

  /**
   * @param {Image[]} next
   * @param {string[]} classNames
   */
  function reset(next, classNames) {
    images = next.slice(0, MAX_IMAGES);
    names = classNames;
    tiles = images.map(tile);
    const grid = html('div', 'gallery-grid');
    grid.setAttribute('role', 'list');
    for (const { figure } of tiles) {
      const item = html('div', 'gallery-cell');
      item.setAttribute('role', 'listitem');
      item.append(figure);
      grid.append(item);
    }
    const head = html('p', 'gallery-head');
    head.append(html('span', 'gallery-title', t('results.gallery.title')), ' ', summary);
    summary.textContent = '';
    root.replaceChildren(head, grid);
  }

  /** Show one prediction: its label, and for a mistake the true one as well. */
  function mark(/** @type {number} */ i, /** @type {number} */ predicted) {
    const { figure, label, truth } = tiles[i];
    const actual = images[i].label;
    const right = predicted === actual;
    label.textContent = nameOf(predicted);
    truth.textContent = right ? '' : t('results.gallery.true', { actual: nameOf(actual) });
    figure.classList.remove('pending');
    figure.classList.toggle('right', right);
    figure.classList.toggle('wrong', !right);
    const text = t(right ? 'results.gallery.right' : 'results.gallery.wrong',
      { actual: nameOf(actual), predicted: nameOf(predicted) });
    figure.setAttribute('aria-label', text);
    figure.title = text;
  }

  /** @param {ArrayLike<number>} predictions one class index per image, in reset's order */
  function update(predictions) {
    let right = 0;
    tiles.forEach((item, i) => {
      const predicted = predictions[i];
      if (predicted === undefined) return;
      if (item.shown !== predicted) mark(i, predicted);
      item.shown = predicted;
      if (predicted === images[i].label) right += 1;
    });
    summary.textContent = tiles.length
      ? t('results.gallery.summary', { right: count(right), shown: count(tiles.length) })
      : '';
  }

  return { reset, update };
}
