// @ts-check
/** The network diagram: neurons in columns, every weight a curve whose colour is its sign and
 * whose width grows with its size. Neurons show what they compute over the input plane, or
 * their activation, or δ; hover shows the numbers, click opens the inspector, and while paused
 * a weight can be dragged up or down. In step-by-step mode only what is computed is shown. */
import { classColor, css, diverging, MAP_LUT, signColor } from '../colors.js';
import { num } from '../format.js';
import { t } from '../i18n.js';
import { describeStage } from '../stages.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_NODE = 40;
// Room left of the input column for the x1, x2 labels; .column-heads has the same padding.
const LABEL_MARGIN = 24;
// Pixels of vertical drag that change a weight by 1; smaller moves are a click.
const DRAG_PIXELS_PER_UNIT = 40;
const DRAG_THRESHOLD = 4;

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Frame} Frame */
/** @typedef {{ kind: 'neuron', layer: number, index: number } |
 *   { kind: 'weight', layer: number, index: number, source: number }} Target */
/** @typedef {{ layer: number, param: 'W' | 'b', index: number, source?: number, value: number }} Edit */

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
  if (activation === 'sigmoid' || activation === 'softmax') return 2 * value - 1;
  if (activation === 'tanh') return value;
  return Math.tanh(value);
}

/** @param {Target | null} a @param {Target | null} b */
function sameTarget(a, b) {
  return a !== null && b !== null && a.kind === b.kind && a.layer === b.layer
    && a.index === b.index && (a.kind === 'neuron' || a.source === /** @type {any} */ (b).source);
}

/** Paint a neuron map (map_size² bytes, 128 neutral) into a canvas of that many pixels. */
function paintMap(/** @type {HTMLCanvasElement} */ canvas, /** @type {Uint8Array} */ map) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const image = context.createImageData(canvas.width, canvas.height);
  map.forEach((v, i) => image.data.set(MAP_LUT.subarray(v * 4, v * 4 + 4), i * 4));
  context.putImageData(image, 0, 0);
}

const BUNDLE_COLOUR = '#7b8794';

function rms(/** @type {Float32Array} */ values) {
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
}

function rowOf(/** @type {Float32Array | undefined} */ W, /** @type {number} */ k, /** @type {number} */ n) {
  return /** @type {Float32Array} */ (W).subarray(k * n, (k + 1) * n);
}

/** A grey image, 1 = ink, as the digits are drawn. */
function paintPixels(/** @type {HTMLCanvasElement} */ canvas, /** @type {Float32Array} */ values) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const image = context.createImageData(canvas.width, canvas.height);
  values.forEach((v, i) => {
    const shade = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
    image.data.set([shade, shade, shade, 255], i * 4);
  });
  context.putImageData(image, 0, 0);
}

/** A neuron's weights from the input image, as an image: what pattern excites it. */
function paintWeights(/** @type {HTMLCanvasElement} */ canvas, /** @type {Float32Array} */ weights) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const image = context.createImageData(canvas.width, canvas.height);
  const largest = weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0) || 1;
  weights.forEach((w, i) => image.data.set([...diverging(w / largest), 255], i * 4));
  context.putImageData(image, 0, 0);
}

/** An input's name as the page writes it (x₁², sin x₁), or a table column's own name. */
function featureLabel(/** @type {string} */ name) {
  const key = `feature.${name}`;
  const label = t(key);
  return label === key ? name : label;
}

/**
 * @param {HTMLElement} root
 * @param {HTMLElement} tooltip
 * @param {{ onSelect: (target: Target | null) => void, onEdit: (edit: Edit) => void,
 *           canEdit: () => boolean }} actions
 */
export function createNetworkView(root, tooltip, actions) {
  /** @type {Layout | null} */
  let layout = null;
  /** @type {Frame | null} */
  let frame = null;
  let fill = 'map';
  /** @type {{ group: SVGElement, rect: SVGElement, map: HTMLCanvasElement, label: SVGElement }[][]} */
  let nodes = [];
  /** @type {{ path: SVGElement, hit: SVGElement }[][][]} edges[l][k][j], l >= 1 */
  let edges = [];
  /** @type {SVGElement[]} one highlight band per column */
  let bands = [];
  /** @type {Target | null} */
  let hovered = null;
  /** @type {Target | null} */
  let selected = null;
  let deltaScale = 0;
  /** @type {HTMLCanvasElement | null} the input image, when the inputs are an 8×8 picture */
  let picture = null;
  /** @type {{ target: Target & { kind: 'weight' }, y: number, w: number, moved: boolean } | null} */
  let drag = null;
  const enlarged = document.createElement('canvas');
  enlarged.className = 'tip-map';

  function reset(/** @type {Layout} */ next) {
    layout = next;
    frame = null;
    unhover();
    root.replaceChildren();
    enlarged.width = next.map_size;
    enlarged.height = next.map_size;
    const width = root.clientWidth || 600;
    const height = root.clientHeight || 420;
    const image = next.input_kind === 'image';
    const tallest = Math.max(...next.sizes.slice(image ? 1 : 0));
    const pitch = Math.min(MAX_NODE * 1.5, (height - 16) / tallest);
    const size = Math.min(MAX_NODE, pitch * 0.72);
    const columnX = (/** @type {number} */ l) =>
      LABEL_MARGIN + ((l + 0.5) * (width - LABEL_MARGIN)) / next.sizes.length;
    const rowY = (/** @type {number} */ l, /** @type {number} */ k) =>
      height / 2 + (k - (next.sizes[l] - 1) / 2) * pitch;
    const canvas = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-label': t('net.title') }, root);
    const bandLayer = svg('g', { class: 'bands' }, canvas);
    const band = (width - LABEL_MARGIN) / next.sizes.length;
    bands = next.sizes.map((_, l) => svg('rect', { x: columnX(l) - band / 2 + 4, y: 2,
      width: band - 8, height: height - 4, rx: 8, class: 'band' }, bandLayer));
    const edgeLayer = svg('g', { class: 'edges' }, canvas);
    const nodeLayer = svg('g', { class: 'nodes' }, canvas);
    edges = [[]];
    const pictureSide = Math.min(band - 16, 112, height - 16);
    for (let l = 1; l < next.sizes.length; l += 1) {
      if (l === 1 && image) {
        edges.push(Array.from({ length: next.sizes[1] }, (_, k) => [bundle(
          columnX(0) + pictureSide / 2, height / 2, columnX(1) - size / 2, rowY(1, k), edgeLayer)]));
        continue;
      }
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
          listen(hit, { kind: 'weight', layer: l, index: k, source: j });
          listenDrag(hit, { kind: 'weight', layer: l, index: k, source: j });
          return { path, hit };
        })));
    }
    picture = image ? inputPicture(columnX(0) - pictureSide / 2, height / 2 - pictureSide / 2,
      pictureSide, nodeLayer) : null;
    const line = next.map_cells === next.map_size;
    nodes = next.sizes.map((n, l) => (l === 0 && image ? [] : Array.from({ length: n }, (_, k) => {
      const x = columnX(l) - size / 2;
      const y = rowY(l, k) - size / 2;
      const group = svg('g', { class: l === 0 ? 'node input' : 'node', tabindex: 0,
        role: 'button' }, nodeLayer);
      const holder = svg('foreignObject', { x, y, width: size, height: size }, group);
      const map = document.createElement('canvas');
      map.width = l === 1 && image ? 8 : next.map_size;
      map.height = l === 1 && image ? 8 : line ? 1 : next.map_size;
      map.className = l === 1 && image ? 'node-map pixelated' : 'node-map';
      holder.appendChild(map);
      const rect = svg('rect', { x, y, width: size, height: size, rx: 4, fill: css(0) }, group);
      if (l === 0) {
        const name = svg('text', { x: x - 6, y: y + size / 2, class: 'node-label' }, group);
        name.textContent = featureLabel(next.feature_names[k]);
      }
      if (l === next.sizes.length - 1 && next.class_names.length > 2) {
        const name = svg('text', { x: x + size + 6, y: y + size / 2, class: 'node-label class' }, group);
        name.textContent = next.class_names[k];
        name.style.fill = classColor(k);
      }
      const label = svg('text', { x: x + size / 2, y: y + size + 9, class: 'node-value' }, group);
      const target = /** @type {Target} */ ({ kind: 'neuron', layer: l, index: k });
      listen(group, target);
      if (l > 0) {
        group.addEventListener('click', () => select(target));
        group.addEventListener('keydown', (e) => {
          if (/** @type {KeyboardEvent} */ (e).key === 'Enter') select(target);
        });
      }
      return { group, rect, map, label };
    })));
    markSelected();
  }

  /** The 8×8 input image in place of 64 input neurons. */
  function inputPicture(x, y, side, /** @type {Element} */ parent) {
    const group = svg('g', { class: 'input-picture' }, parent);
    const holder = svg('foreignObject', { x, y, width: side, height: side }, group);
    const canvas = document.createElement('canvas');
    canvas.width = 8;
    canvas.height = 8;
    canvas.className = 'node-map pixelated shown';
    holder.appendChild(canvas);
    svg('rect', { x, y, width: side, height: side, rx: 3, class: 'picture-frame' }, group);
    return canvas;
  }

  /** One curve standing for all of a neuron's weights from the input image. */
  function bundle(x1, y1, x2, y2, /** @type {Element} */ parent) {
    const mid = (x1 + x2) / 2;
    const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
    return { path: svg('path', { d, class: 'edge bundle', stroke: css(0) }, parent), hit: null };
  }

  /** @param {Frame} next */
  function update(next) {
    frame = next;
    if (!layout) return;
    const depth = layout.sizes.length - 1;
    const stage = describeStage(next.stage, depth);
    deltaScale = 0;
    for (let l = 1; l <= depth; l += 1) {
      if (!stage.backward(l)) continue;
      for (const d of next.layers[l].delta ?? []) deltaScale = Math.max(deltaScale, Math.abs(d));
    }
    bands.forEach((band, l) => band.classList.toggle('active', stage.layer === l
      || (stage.phase === 'update' && l > 0)));
    for (let l = 1; l < edges.length; l += 1) {
      const W = /** @type {Float32Array} */ (next.layers[l].W);
      const nIn = layout.sizes[l - 1];
      const pending = !stage.forward(l);
      const bundled = l === 1 && picture !== null;
      edges[l].forEach((row, k) => row.forEach(({ path }, j) => {
        // A bundle stands for a whole row of weights: its size is their root mean square.
        const w = bundled ? rms(W.subarray(k * nIn, (k + 1) * nIn)) : W[k * nIn + j];
        const style = weightStyle(w);
        path.setAttribute('stroke', !Number.isFinite(w) ? css(NaN) : bundled ? BUNDLE_COLOUR : signColor(w));
        path.setAttribute('stroke-width', style.width.toFixed(2));
        path.setAttribute('stroke-opacity', (pending ? 0.12 : style.opacity).toFixed(2));
      }));
    }
    const showValues = next.sample !== null || next.stage !== null;
    if (picture) paintPixels(picture, /** @type {Float32Array} */ (next.layers[0].a));
    nodes.forEach((column, l) => column.forEach((node, k) => {
      const computed = stage.forward(l);
      const weights = l === 1 && picture !== null;
      const mapped = fill === 'map' && computed && (next.maps !== null || weights);
      node.group.classList.toggle('pending', !computed);
      node.group.classList.toggle('mapped', mapped);
      if (mapped && weights) paintWeights(node.map, rowOf(next.layers[1].W, k, 64));
      else if (mapped && next.maps) paintMap(node.map, next.maps[l][k]);
      node.rect.setAttribute('fill', computed ? css(tone(l, k, stage)) : 'none');
      node.label.textContent = showValues && computed ? valueLabel(l, k, stage) : '';
    }));
    if (hovered) showTooltip();
  }

  /** The number under a neuron: δ once the backward pass has reached it, else a. */
  function valueLabel(l, k, /** @type {import('../stages.js').Stage} */ stage) {
    const values = /** @type {Frame} */ (frame).layers[l];
    const showDelta = l > 0 && stage.backward(l) && (fill === 'delta' || stage.phase !== 'all');
    return showDelta ? `δ ${num(values.delta?.[k] ?? NaN, 3)}` : num(values.a?.[k] ?? NaN, 3);
  }

  function tone(l, k, /** @type {import('../stages.js').Stage} */ stage) {
    const values = frame?.layers[l];
    if (!values || !layout) return 0;
    if (l === 0) return fill === 'delta' ? 0 : (values.a?.[k] ?? 0) / layout.extent;
    if (fill === 'delta') {
      return deltaScale > 0 && stage.backward(l) ? (values.delta?.[k] ?? 0) / deltaScale : 0;
    }
    return activationTone(values.a?.[k] ?? 0, layout.activations[l - 1]);
  }

  function setFill(/** @type {string} */ mode) {
    fill = mode;
    if (frame) update(frame);
  }

  function select(/** @type {Target | null} */ target) {
    selected = sameTarget(selected, target) ? null : target;
    markSelected();
    actions.onSelect(selected);
  }

  /** Set from outside (the inspector closed, the layout changed) without calling back. */
  function setSelected(/** @type {Target | null} */ target) {
    selected = target;
    markSelected();
  }

  function markSelected() {
    nodes.forEach((column, l) => column.forEach((node, k) => node.group.classList.toggle(
      'selected', sameTarget(selected, { kind: 'neuron', layer: l, index: k }))));
    edges.forEach((rows, l) => rows.forEach((row, k) => row.forEach(({ path }, j) =>
      path.classList.toggle('selected', sameTarget(selected,
        { kind: 'weight', layer: l, index: k, source: j })))));
  }

  /** A press on a weight: a click selects it; a vertical drag (paused only) changes it. */
  function listenDrag(/** @type {Element} */ hit, /** @type {Target & { kind: 'weight' }} */ target) {
    hit.addEventListener('pointerdown', (e) => {
      const event = /** @type {PointerEvent} */ (e);
      const W = frame?.layers[target.layer].W;
      if (!W || !layout) return;
      const w = W[target.index * layout.sizes[target.layer - 1] + target.source];
      drag = { target, y: event.clientY, w, moved: false };
      /** @type {Element} */ (hit).setPointerCapture(event.pointerId);
    });
    hit.addEventListener('pointermove', (e) => {
      const event = /** @type {PointerEvent} */ (e);
      if (!drag || drag.target !== target) return;
      const dy = drag.y - event.clientY;
      if (!drag.moved && Math.abs(dy) < DRAG_THRESHOLD) return;
      if (!actions.canEdit()) return;
      drag.moved = true;
      const value = Math.round((drag.w + dy / DRAG_PIXELS_PER_UNIT) * 1000) / 1000;
      actions.onEdit({ layer: target.layer, param: 'W', index: target.index, source: target.source, value });
    });
    hit.addEventListener('pointerup', () => {
      if (drag && !drag.moved) select(target);
      drag = null;
    });
    hit.addEventListener('pointercancel', () => { drag = null; });
    hit.addEventListener('keydown', (e) => {
      if (/** @type {KeyboardEvent} */ (e).key === 'Enter') select(target);
    });
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
    if (!hovered || !frame || !layout || !frame.layers[hovered.layer]) return;
    const { layer: l, index: k } = hovered;
    const values = frame.layers[l];
    const stage = describeStage(frame.stage, layout.sizes.length - 1);
    const shown = (/** @type {boolean} */ ok, /** @type {number | undefined} */ v) => (ok ? v ?? NaN : NaN);
    /** @type {[string, number][]} */
    let rows;
    let title;
    if (hovered.kind === 'weight') {
      const nIn = layout.sizes[l - 1];
      const i = k * nIn + hovered.source;
      title = t('tip.weight', { j: hovered.source + 1, lp: l - 1, k: k + 1, l });
      rows = [['w', values.W?.[i] ?? NaN], ['∂C/∂w', shown(stage.backward(l), values.dW?.[i])]];
    } else if (l === 0) {
      title = t('tip.input', { k: k + 1 });
      rows = [['x', values.a?.[k] ?? NaN]];
    } else {
      title = t('tip.neuron', { l, k: k + 1, activation: t(`activation.${layout.activations[l - 1]}`) });
      const fwd = stage.forward(l);
      const back = stage.backward(l);
      rows = [['z', shown(fwd, values.z?.[k])], ['a', shown(fwd, values.a?.[k])],
        ['δ = ∂C/∂z', shown(back, values.delta?.[k])], ['b', values.b?.[k] ?? NaN],
        ['∂C/∂b', shown(back, values.db?.[k])]];
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
    note.textContent = frame.sample === null ? t('tip.mean') : t('tip.sample', { i: frame.sample });
    const parts = [heading, list, note];
    const weights = picture !== null && l === 1;
    if (hovered.kind === 'neuron' && (weights || frame.maps)) {
      enlarged.width = weights ? 8 : layout.map_size;
      enlarged.height = weights ? 8 : layout.map_cells === layout.map_size ? 1 : layout.map_size;
      enlarged.classList.toggle('pixelated', weights);
      if (weights) paintWeights(enlarged, rowOf(frame.layers[1].W, k, 64));
      else paintMap(enlarged, /** @type {Uint8Array[][]} */ (frame.maps)[l][k]);
      parts.splice(1, 0, enlarged);
      if (weights) parts.splice(2, 0, Object.assign(document.createElement('small'), { textContent: t('tip.pixelWeights') }));
    }
    tooltip.replaceChildren(...parts);
    tooltip.hidden = false;
  }

  return { reset, update, setFill, setSelected, get deltaScale() { return deltaScale; } };
}
