// @ts-check
/** The network diagram: neurons in columns, every weight a curve whose colour is its sign and
 * whose width grows with its size. Neurons show what they compute over the input plane, or
 * their activation, or δ; hover shows the numbers (tooltip.js), click opens the inspector, and
 * while paused a weight can be dragged up or down (weightdrag.js). In step-by-step mode only
 * what is computed is shown. For the keyboard the diagram is one tab stop (a roving tabindex):
 * arrow keys move neuron to neuron and to a neuron's incoming weights, Enter inspects; each
 * neuron and weight is named with its numbers for screen readers. */
import { classColor, css, signColor } from '../colors.js';
import { num } from '../format.js';
import { t } from '../i18n.js';
import { activationRange, activationTone, backwardDone, deltaTone, forwardDone, shownStage } from '../shown.js';
import { curve, geometry, preferredHeight, sameTarget, svg } from './diagramshape.js';
import { html } from './dom.js';
import { paintMap, paintPixels, paintWeights, rms, rowOf, weightStyle } from './neuronpaint.js';
import { createTooltip } from './tooltip.js';
import { createWeightDrag } from './weightdrag.js';

const BUNDLE_COLOUR = '#7b8794';

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Frame} Frame */
/** @typedef {import('../protocol.js').Target} Target */
/** @typedef {import('../store.js').State} State */
/** @typedef {import('../shown.js').Shown} Shown */
/** @typedef {{ group: SVGElement, rect: SVGElement, map: HTMLCanvasElement, label: SVGElement }} Node */
/** @typedef {{ path: SVGElement, hit?: SVGElement }} Edge */
/** @typedef {import('./diagramshape.js').Geometry} Geometry */

/** An input's name as the page writes it (x₁², sin x₁), or a table column's own name. @param {string} name */
function featureLabel(name) {
  const label = t(`feature.${name}`);
  return label === `feature.${name}` ? name : label;
}

/**
 * @param {HTMLElement} root
 * @param {HTMLElement} tooltipRoot
 * @param {{ setTarget: (target: Target | null) => void,
 *           edit: (edit: import('./weightdrag.js').WeightEdit) => void }} actions
 */
export function createDiagram(root, tooltipRoot, actions) {
  const tooltip = createTooltip(tooltipRoot);
  /** @type {State | null} the state drawn */
  let state = null;
  /** @type {Layout | null} */
  let layout = null;
  /** @type {Node[][]} nodes[l][k]; none for an input image */
  let nodes = [];
  /** @type {Edge[][][]} edges[l][k][j], l >= 1; one per k for an input image's bundle */
  let edges = [];
  /** @type {SVGElement[]} one highlight band per column */
  let bands = [];
  /** @type {HTMLCanvasElement | null} the input image, when the inputs are an 8×8 picture */
  let picture = null;
  const drag = createWeightDrag({
    weightOf: (target) => {
      const W = state?.frame?.layers[target.layer].W;
      return W && layout ? W[target.index * layout.sizes[target.layer - 1] + target.source] : null;
    },
    canEdit: () => state?.status === 'paused',
    onEdit: actions.edit,
    onSelect: select,
  });

  /** @type {Target | null} the neuron or weight the keyboard is on: the diagram's one tab stop */
  let current = null;

  /** Click or Enter: inspect it, or stop inspecting it. @param {Target} target */
  function select(target) {
    tooltip.leave();  // the inspector now says all of it, beside the diagram
    actions.setTarget(sameTarget(state?.target ?? null, target) ? null : target);
  }

  /** Hover with the pointer, or focus with the keyboard, shows the numbers.
   * @param {Element} element @param {Target} target */
  function listen(element, target) {
    element.addEventListener('pointerenter', (e) => {
      tooltip.hover(target, /** @type {PointerEvent} */ (e).pageX, /** @type {PointerEvent} */ (e).pageY);
    });
    element.addEventListener('pointermove', (e) => tooltip.place(/** @type {PointerEvent} */ (e).pageX, /** @type {PointerEvent} */ (e).pageY));
    element.addEventListener('pointerleave', tooltip.leave);
    element.addEventListener('focus', () => {
      if (!current || !sameTarget(current, target)) rove(target, false);
      const box = element.getBoundingClientRect();
      tooltip.hover(target, box.right + window.scrollX, box.top + window.scrollY);
    });
    element.addEventListener('blur', tooltip.leave);
  }

  /** Every weight of layer l as a curve (or, from an input image, one bundle per neuron).
   * @param {Geometry} g @param {number} l @param {Element} parent @returns {Edge[][]} */
  function buildEdges(g, l, parent) {
    const sizes = /** @type {Layout} */ (layout).sizes;
    if (l === 1 && picture) {
      return Array.from({ length: sizes[1] }, (_, k) => [{ path: svg('path', { class: 'edge bundle', stroke: css(0),
        d: curve(g.x(0) + g.pictureSide / 2, g.height / 2, g.x(1) - g.size / 2, g.y(1, k)) }, parent) }]);
    }
    return Array.from({ length: sizes[l] }, (_, k) => Array.from({ length: sizes[l - 1] }, (_, j) => {
      const d = curve(g.x(l - 1) + g.size / 2, g.y(l - 1, j), g.x(l) - g.size / 2, g.y(l, k));
      const path = svg('path', { d, class: 'edge', stroke: css(0) }, parent);
      const hit = svg('path', { d, class: 'edge-hit', tabindex: -1, role: 'button' }, parent);
      /** @type {Target & { kind: 'weight' }} */
      const target = { kind: 'weight', layer: l, index: k, source: j };
      // Named from the start; the numbers join the name when the keyboard reaches it.
      hit.setAttribute('aria-label', t('tip.weight', { j: j + 1, lp: l - 1, k: k + 1, l }));
      listen(hit, target);
      drag.attach(hit, target);
      return { path, hit };
    }));
  }

  /** The 8×8 input image in place of 64 input neurons. @param {Geometry} g @param {Element} parent */
  function inputPicture(g, parent) {
    const side = g.pictureSide;
    const [x, y] = [g.x(0) - side / 2, g.height / 2 - side / 2];
    const group = svg('g', { class: 'input-picture' }, parent);
    const holder = svg('foreignObject', { x, y, width: side, height: side }, group);
    const canvas = /** @type {HTMLCanvasElement} */ (html('canvas', 'node-map pixelated shown'));
    canvas.width = 8;
    canvas.height = 8;
    holder.appendChild(canvas);
    svg('rect', { x, y, width: side, height: side, rx: 3, class: 'picture-frame' }, group);
    return canvas;
  }

  /** Names beside a neuron: an input's feature, an output's class. @param {Element} group
   * @param {number} l @param {number} k @param {number} x @param {number} y @param {number} size */
  function nameNode(group, l, k, x, y, size) {
    const lay = /** @type {Layout} */ (layout);
    if (l === 0) {
      svg('text', { x: x - 6, y: y + size / 2, class: 'node-label', 'aria-hidden': 'true' }, group).textContent = featureLabel(lay.feature_names[k]);
    }
    if (l === lay.sizes.length - 1 && lay.class_names.length > 2) {
      const name = svg('text', { x: x + size + 6, y: y + size / 2, class: 'node-label class', 'aria-hidden': 'true' }, group);
      name.textContent = lay.class_names[k];
      /** @type {SVGElement} */ (name).style.fill = classColor(k);
    }
  }

  /** One neuron: a square with a canvas for its map, a value label, names, and its listeners.
   * @param {Geometry} g @param {number} l @param {number} k @param {Element} parent @returns {Node} */
  function buildNode(g, l, k, parent) {
    const lay = /** @type {Layout} */ (layout);
    const [x, y, size] = [g.x(l) - g.size / 2, g.y(l, k) - g.size / 2, g.size];
    const weights = l === 1 && picture !== null;
    const group = svg('g', { class: l === 0 ? 'node input' : 'node', tabindex: -1, role: l === 0 ? 'img' : 'button' }, parent);
    const holder = svg('foreignObject', { x, y, width: size, height: size }, group);
    const map = /** @type {HTMLCanvasElement} */ (html('canvas', weights ? 'node-map pixelated' : 'node-map'));
    map.width = weights ? 8 : lay.map_size;
    map.height = weights ? 8 : lay.map_cells === lay.map_size ? 1 : lay.map_size;
    holder.appendChild(map);
    const rect = svg('rect', { x, y, width: size, height: size, rx: 4, fill: css(0) }, group);
    nameNode(group, l, k, x, y, size);
    // The name says the numbers; the printed ones are for the eye, beside the button rather
    // than in it, so that its visible text stays a part of its name.
    const label = svg('text', { x: x + size / 2, y: y + size + (state?.presenter ? 4 : 9), class: 'node-value',
      'aria-hidden': 'true' }, parent);
    /** @type {Target} */
    const target = { kind: 'neuron', layer: l, index: k };
    listen(group, target);
    if (l > 0) {
      group.addEventListener('click', () => select(target));
    }
    return { group, rect, map, label };
  }

  /** Draw the diagram of a layout at the root's size, empty until a frame paints it. @param {Layout} next */
  function build(next) {
    layout = next;
    tooltip.leave();
    // Rebuilt (a resize, the inspector's column opening): the keyboard stays where it was.
    const focused = root.contains(document.activeElement);
    root.replaceChildren();
    // In presenter mode the page's layout gives the diagram its height; else its layout does.
    const large = state?.presenter ?? false;
    root.style.height = large ? '' : `${preferredHeight(next)}px`;
    const g = geometry(next, root.clientWidth || 600, root.clientHeight || 420, large);
    const canvas = svg('svg', { viewBox: `0 0 ${g.width} ${g.height}`, width: g.width, height: g.height,
      role: 'group', 'aria-label': t('a11y.diagram'), 'aria-describedby': 'diagram-keys' }, root);
    const bandLayer = svg('g', { class: 'bands' }, canvas);
    bands = next.sizes.map((_, l) => svg('rect', { x: g.x(l) - g.band / 2 + 4, y: 2, width: g.band - 8,
      height: g.height - 4, rx: 8, class: 'band' }, bandLayer));
    const edgeLayer = svg('g', { class: 'edges' }, canvas);
    const nodeLayer = svg('g', { class: 'nodes' }, canvas);
    const image = next.input_kind === 'image';
    picture = image ? inputPicture(g, nodeLayer) : null;
    edges = [[], ...next.sizes.slice(1).map((_, i) => buildEdges(g, i + 1, edgeLayer))];
    nodes = next.sizes.map((n, l) => (l === 0 && image ? []
      : Array.from({ length: n }, (_, k) => buildNode(g, l, k, nodeLayer))));
    markSelected(state?.target ?? null);
    rove(current && elementOf(current) ? current : first(), focused);
  }

  /** The first neuron the keyboard lands on: the first input (or first hidden neuron). @returns {Target} */
  function first() {
    return { kind: 'neuron', layer: nodes[0].length ? 0 : 1, index: 0 };
  }

  /** @param {Target} target @returns {SVGElement | undefined} */
  function elementOf(target) {
    if (target.kind === 'neuron') return nodes[target.layer]?.[target.index]?.group;
    return edges[target.layer]?.[target.index]?.[target.source]?.hit;
  }

  /** Make a neuron or weight the diagram's tab stop, named with its numbers; focus it if asked.
   * @param {Target} target @param {boolean} focus */
  function rove(target, focus) {
    const element = elementOf(target);
    if (!element) return;
    const old = current && elementOf(current);
    if (old && old !== element) old.setAttribute('tabindex', '-1');
    current = target;
    element.setAttribute('tabindex', '0');
    name(target);
    if (focus) element.focus();
  }

  /** Where an arrow key goes from a neuron or weight (null: nowhere).
   * @param {Target} at @param {string} key @returns {Target | null} */
  function moved(at, key) {
    const sizes = /** @type {Layout} */ (layout).sizes;
    const depth = sizes.length - 1;
    const clamp = (/** @type {number} */ i, /** @type {number} */ n) => Math.max(0, Math.min(n - 1, i));
    /** @returns {Target} */
    const neuron = (/** @type {number} */ layer, /** @type {number} */ index) => ({ kind: 'neuron', layer, index: clamp(index, sizes[layer]) });
    /** @returns {Target} */
    const weight = (/** @type {number} */ layer, /** @type {number} */ index, /** @type {number} */ source) => ({ kind: 'weight', layer, index, source: clamp(source, sizes[layer - 1]) });
    const l = at.layer;
    const weighted = l > 1 || (l === 1 && picture === null);
    if (at.kind === 'neuron') {
      switch (key) {
        case 'ArrowUp': return neuron(l, at.index - 1);
        case 'ArrowDown': return neuron(l, at.index + 1);
        case 'Home': return neuron(l, 0);
        case 'End': return neuron(l, sizes[l] - 1);
        case 'ArrowRight': return l < depth ? neuron(l + 1, at.index) : null;
        case 'ArrowLeft': return weighted ? weight(l, at.index, at.index) : null;
        default: return null;
      }
    }
    switch (key) {
      case 'ArrowUp': return weight(l, at.index, at.source - 1);
      case 'ArrowDown': return weight(l, at.index, at.source + 1);
      case 'Home': return weight(l, at.index, 0);
      case 'End': return weight(l, at.index, sizes[l - 1] - 1);
      case 'ArrowLeft': return neuron(l - 1, at.source);
      case 'ArrowRight': return neuron(l, at.index);
      default: return null;
    }
  }

  root.addEventListener('keydown', (event) => {
    if (!layout || !current) return;
    if (event.key === 'Enter' || event.key === ' ') {
      if (current.layer > 0) select(current);
    } else {
      const next = moved(current, event.key);
      if (!next) return;
      rove(next, true);
    }
    // The diagram's keys are its own: not Space for play, nor ← → for the step-by-step stages.
    event.preventDefault();
    event.stopPropagation();
  });

  /** A number for the ear: the true minus sign. @param {number | undefined} value */
  const spoken = (value) => num(value ?? NaN, 3).replace('-', '−');

  /** The accessible name of a neuron or weight, with its numbers now. @param {Target} target */
  function label(target) {
    const lay = /** @type {Layout} */ (layout);
    const values = state?.frame?.layers[target.layer];
    const { layer: l, index: k } = target;
    if (target.kind === 'weight') {
      const n = lay.sizes[l - 1];
      return t('a11y.weight', { j: target.source + 1, lp: l - 1, k: k + 1, l,
        w: spoken(values?.W?.[k * n + target.source]), g: spoken(values?.dW?.[k * n + target.source]) });
    }
    if (l === 0) return t('a11y.input', { name: featureLabel(lay.feature_names[k]), value: spoken(values?.a?.[k]) });
    const classed = l === lay.sizes.length - 1 && lay.class_names.length > 2;
    return t(classed ? 'a11y.classNeuron' : 'a11y.neuron', { l, k: k + 1, c: lay.class_names[k] ?? '',
      activation: t(`activation.${lay.activations[l - 1]}`), a: spoken(values?.a?.[k]), delta: spoken(values?.delta?.[k]) });
  }

  /** @param {Target} target */
  function name(target) {
    elementOf(target)?.setAttribute('aria-label', label(target));
  }

  /** Back to the diagram's tab stop (after the inspector closes). */
  function focus() {
    if (current) rove(current, true);
  }

  /** @param {Target | null} selected */
  function markSelected(selected) {
    nodes.forEach((column, l) => column.forEach((node, k) => node.group.classList.toggle(
      'selected', sameTarget(selected, { kind: 'neuron', layer: l, index: k }))));
    edges.forEach((rows, l) => rows.forEach((row, k) => row.forEach(({ path }, j) =>
      path.classList.toggle('selected', sameTarget(selected, { kind: 'weight', layer: l, index: k, source: j })))));
  }

  /** Colour and width of every weight; weights the forward pass has not reached are faint.
   * @param {Frame} frame @param {Shown} stage */
  function paintEdges(frame, stage) {
    const sizes = /** @type {Layout} */ (layout).sizes;
    for (let l = 1; l < edges.length; l += 1) {
      const W = /** @type {Float32Array} */ (frame.layers[l].W);
      const nIn = sizes[l - 1];
      const pending = !forwardDone(stage, l);
      const bundled = l === 1 && picture !== null;
      edges[l].forEach((row, k) => row.forEach(({ path }, j) => {
        // A bundle stands for a whole row of weights: its size is their root mean square.
        const w = bundled ? rms(rowOf(W, k, nIn)) : W[k * nIn + j];
        const style = weightStyle(w);
        path.setAttribute('stroke', !Number.isFinite(w) ? css(NaN) : bundled ? BUNDLE_COLOUR : signColor(w));
        path.setAttribute('stroke-width', style.width.toFixed(2));
        // The sign also by line style, not by colour alone: negative weights are dashed.
        path.classList.toggle('negative', !bundled && w < 0);
        path.setAttribute('stroke-opacity', (pending ? 0.12 : style.opacity).toFixed(2));
      }));
    }
  }

  /** The number under a neuron: δ once the backward pass has reached it, else a.
   * @param {Frame} frame @param {Shown} stage @param {number} l @param {number} k */
  function valueLabel(frame, stage, l, k) {
    const values = frame.layers[l];
    const showDelta = l > 0 && backwardDone(stage, l) && (state?.fill === 'delta' || stage.phase !== 'all');
    return showDelta ? `δ ${num(values.delta?.[k] ?? NaN, 3)}` : num(values.a?.[k] ?? NaN, 3);
  }

  /** A neuron's colour on the diverging scale, t in [-1, 1].
   * @param {Frame} frame @param {Shown} stage @param {number} l @param {number} k */
  function tone(frame, stage, l, k) {
    const lay = /** @type {Layout} */ (layout);
    const values = frame.layers[l];
    const fill = state?.fill;
    if (l === 0) return fill === 'delta' ? 0 : (values.a?.[k] ?? 0) / lay.extent;
    if (fill === 'delta') return backwardDone(stage, l) ? deltaTone(values.delta?.[k] ?? 0) : 0;
    return activationTone(values.a?.[k] ?? 0, activationRange(lay, l));
  }

  /** @param {Frame} frame @param {Shown} stage */
  function paintNodes(frame, stage) {
    const showValues = frame.sample !== null || frame.stage !== null;
    if (picture) paintPixels(picture, /** @type {Float32Array} */ (frame.layers[0].a));
    nodes.forEach((column, l) => column.forEach((node, k) => {
      const computed = forwardDone(stage, l);
      const weights = l === 1 && picture !== null;
      const mapped = state?.fill === 'map' && computed && (frame.maps !== null || weights);
      node.group.classList.toggle('pending', !computed);
      node.group.classList.toggle('mapped', mapped);
      if (mapped && weights) paintWeights(node.map, rowOf(frame.layers[1].W, k, 64));
      else if (mapped && frame.maps) paintMap(node.map, frame.maps[l][k]);
      node.rect.setAttribute('fill', computed ? css(tone(frame, stage, l, k)) : 'none');
      node.label.textContent = showValues && computed ? valueLabel(frame, stage, l, k) : '';
    }));
  }

  /** @param {Frame} frame */
  function paint(frame) {
    const lay = /** @type {Layout} */ (layout);
    const stage = shownStage(lay, frame.stage);
    bands.forEach((band, l) => band.classList.toggle('active', stage.layer === l || (stage.phase === 'update' && l > 0)));
    paintEdges(frame, stage);
    paintNodes(frame, stage);
    nodes.forEach((column, l) => column.forEach((_, k) => name({ kind: 'neuron', layer: l, index: k })));
    if (current?.kind === 'weight') name(current);
    tooltip.update(frame, lay);
  }

  /** @param {State} next */
  function update(next) {
    const previous = state;
    state = next;
    if (!next.layout) return;
    if (next.layout !== layout || next.presenter !== previous?.presenter) build(next.layout);
    if (next.target !== previous?.target) markSelected(next.target);
    const repaint = next.frame !== previous?.frame || next.fill !== previous?.fill || next.layout !== previous?.layout
      || next.presenter !== previous?.presenter;
    if (next.frame && repaint) paint(next.frame);
  }

  // Sizes follow the panel (window resize, zoom, another screen): rebuilt and painted at once,
  // so that no painted frame shows the rebuilt diagram without its values.
  let resizing = false;
  new ResizeObserver(() => {
    if (resizing || !layout) return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      if (!layout || !state) return;
      build(layout);
      if (state.frame) paint(state.frame);
    });
  }).observe(root);

  return { update, focus };
}
