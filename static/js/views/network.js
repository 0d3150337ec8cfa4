// @ts-check
/** The network diagram: neurons in columns, every weight a curve whose colour is its sign and
 * whose width grows with its size; neurons filled by activation or by δ; hover shows numbers. */
import { css, signColor } from '../colors.js';
import { num } from '../format.js';
import { t } from '../i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_NODE = 40;
// Room left of the input column for the x1, x2 labels; .column-heads has the same padding.
const LABEL_MARGIN = 24;

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Frame} Frame */
/** @typedef {{ kind: 'neuron', l: number, k: number } | { kind: 'weight', l: number, k: number, j: number }} Target */

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {Element} [parent]
 */
function svg(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  parent?.appendChild(el);
  return el;
}

/** Width and opacity saturate smoothly, so a weight of 5 is visibly bigger than 1 but fits. */
function weightStyle(w) {
  const s = Math.abs(w) / (Math.abs(w) + 1);
  return { width: 0.4 + 7 * s, opacity: 0.25 + 0.75 * s };
}

/** Activations on one colour scale: t in [-1, 1] whatever σ's range. */
function activationTone(value, activation) {
  if (activation === 'sigmoid') return 2 * value - 1;
  if (activation === 'tanh') return value;
  return Math.tanh(value);
}

/**
 * @param {HTMLElement} root
 * @param {HTMLElement} tooltip
 */
export function createNetworkView(root, tooltip) {
  /** @type {Layout | null} */
  let layout = null;
  /** @type {Frame | null} */
  let frame = null;
  let fill = 'activation';
  /** @type {SVGElement[][]} nodes[l][k] */
  let nodes = [];
  /** @type {SVGElement[][][]} edges[l][k][j], l >= 1 */
  let edges = [];
  /** @type {Target | null} */
  let hovered = null;
  let deltaScale = 0;

  function reset(/** @type {Layout} */ next) {
    layout = next;
    frame = null;
    unhover();
    root.replaceChildren();
    const width = root.clientWidth || 600;
    const height = root.clientHeight || 420;
    const tallest = Math.max(...next.sizes);
    const pitch = Math.min(MAX_NODE * 1.5, (height - 16) / tallest);
    const size = Math.min(MAX_NODE, pitch * 0.72);
    const columnX = (/** @type {number} */ l) =>
      LABEL_MARGIN + ((l + 0.5) * (width - LABEL_MARGIN)) / next.sizes.length;
    const rowY = (/** @type {number} */ l, /** @type {number} */ k) =>
      height / 2 + (k - (next.sizes[l] - 1) / 2) * pitch;
    const canvas = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-label': t('net.title') }, root);
    const edgeLayer = svg('g', { class: 'edges' }, canvas);
    const nodeLayer = svg('g', { class: 'nodes' }, canvas);
    edges = [[]];
    for (let l = 1; l < next.sizes.length; l += 1) {
      edges.push(Array.from({ length: next.sizes[l] }, (_, k) =>
        Array.from({ length: next.sizes[l - 1] }, (_, j) => {
          const x1 = columnX(l - 1) + size / 2;
          const x2 = columnX(l) - size / 2;
          const y1 = rowY(l - 1, j);
          const y2 = rowY(l, k);
          const mid = (x1 + x2) / 2;
          const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
          const path = svg('path', { d, class: 'edge', stroke: css(0) }, edgeLayer);
          const hit = svg('path', { d, class: 'edge-hit' }, edgeLayer);
          listen(hit, { kind: 'weight', l, k, j });
          return path;
        })));
    }
    nodes = next.sizes.map((n, l) => Array.from({ length: n }, (_, k) => {
      const x = columnX(l) - size / 2;
      const y = rowY(l, k) - size / 2;
      const group = svg('g', { class: l === 0 ? 'node input' : 'node', tabindex: 0 }, nodeLayer);
      const rect = svg('rect', { x, y, width: size, height: size, rx: 4, fill: css(0) }, group);
      if (l === 0) {
        const label = svg('text', { x: x - 6, y: y + size / 2, class: 'node-label' }, group);
        label.textContent = `x${k + 1}`;
      }
      listen(group, { kind: 'neuron', l, k });
      return rect;
    }));
  }

  /** @param {Frame} next */
  function update(next) {
    frame = next;
    if (!layout) return;
    deltaScale = 0;
    for (let l = 1; l < layout.sizes.length; l += 1) {
      for (const d of next.layers[l].delta ?? []) deltaScale = Math.max(deltaScale, Math.abs(d));
    }
    for (let l = 1; l < edges.length; l += 1) {
      const W = /** @type {Float32Array} */ (next.layers[l].W);
      const nIn = layout.sizes[l - 1];
      edges[l].forEach((row, k) => row.forEach((path, j) => {
        const w = W[k * nIn + j];
        const style = weightStyle(w);
        path.setAttribute('stroke', Number.isFinite(w) ? signColor(w) : css(NaN));
        path.setAttribute('stroke-width', style.width.toFixed(2));
        path.setAttribute('stroke-opacity', style.opacity.toFixed(2));
      }));
    }
    nodes.forEach((column, l) => column.forEach((rect, k) => {
      rect.setAttribute('fill', css(tone(l, k)));
    }));
    if (hovered) showTooltip();
  }

  function tone(l, k) {
    const values = frame?.layers[l];
    if (!values || !layout) return 0;
    if (l === 0) return fill === 'delta' ? 0 : (values.a?.[k] ?? 0) / layout.extent;
    if (fill === 'delta') return deltaScale > 0 ? (values.delta?.[k] ?? 0) / deltaScale : 0;
    return activationTone(values.a?.[k] ?? 0, layout.activations[l - 1]);
  }

  function setFill(/** @type {string} */ mode) {
    fill = mode;
    if (frame) update(frame);
  }

  /** Hover with the pointer, or focus with the keyboard, shows the numbers. */
  function listen(/** @type {Element} */ element, /** @type {Target} */ target) {
    element.addEventListener('pointerenter', (e) => {
      hovered = target;
      showTooltip();
      place(/** @type {PointerEvent} */ (e).pageX, /** @type {PointerEvent} */ (e).pageY);
    });
    element.addEventListener('pointermove', (e) => place(/** @type {PointerEvent} */ (e).pageX, /** @type {PointerEvent} */ (e).pageY));
    element.addEventListener('pointerleave', unhover);
    element.addEventListener('focus', () => {
      hovered = target;
      showTooltip();
      const box = element.getBoundingClientRect();
      place(box.right + window.scrollX, box.top + window.scrollY);
    });
    element.addEventListener('blur', unhover);
  }

  /** Beside the point, flipped to the other side where it would leave the window. */
  function place(/** @type {number} */ x, /** @type {number} */ y) {
    const gap = 14;
    const right = window.scrollX + document.documentElement.clientWidth;
    const bottom = window.scrollY + document.documentElement.clientHeight;
    const left = x + gap + tooltip.offsetWidth > right ? x - gap - tooltip.offsetWidth : x + gap;
    const top = y + gap + tooltip.offsetHeight > bottom ? y - gap - tooltip.offsetHeight : y + gap;
    tooltip.style.left = `${Math.max(window.scrollX, left)}px`;
    tooltip.style.top = `${Math.max(window.scrollY, top)}px`;
  }

  function unhover() {
    hovered = null;
    tooltip.hidden = true;
  }

  function showTooltip() {
    if (!hovered || !frame || !layout || !frame.layers[hovered.l]) return;
    const { l, k } = hovered;
    const values = frame.layers[l];
    /** @type {[string, number][]} */
    let rows;
    let title;
    if (hovered.kind === 'weight') {
      const nIn = layout.sizes[l - 1];
      const i = k * nIn + hovered.j;
      title = t('tip.weight', { j: hovered.j + 1, lp: l - 1, k: k + 1, l });
      rows = [['w', values.W?.[i] ?? NaN], ['∂C/∂w', values.dW?.[i] ?? NaN]];
    } else if (l === 0) {
      title = t('tip.input', { k: k + 1 });
      rows = [['x', values.a?.[k] ?? NaN]];
    } else {
      title = t('tip.neuron', { l, k: k + 1, activation: t(`activation.${layout.activations[l - 1]}`) });
      rows = [['z', values.z?.[k] ?? NaN], ['a', values.a?.[k] ?? NaN],
        ['δ = ∂C/∂z', values.delta?.[k] ?? NaN], ['b', values.b?.[k] ?? NaN],
        ['∂C/∂b', values.db?.[k] ?? NaN]];
    }
    const heading = document.createElement('strong');
    heading.textContent = title;
    const list = document.createElement('dl');
    for (const [name, value] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = num(value);
      list.append(dt, dd);
    }
    const note = document.createElement('small');
    note.textContent = t('tip.mean');
    tooltip.replaceChildren(heading, list, note);
    tooltip.hidden = false;
  }

  return { reset, update, setFill, get deltaScale() { return deltaScale; } };
}
