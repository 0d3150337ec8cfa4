// @ts-check
/** What a frame shows: which step-by-step stage (the layout lists them, the frame indexes
 * them), which layers have their forward values and δ, and the scales neurons are drawn on. */

/** @typedef {import('./protocol.js').Layout} Layout */
/** @typedef {import('./protocol.js').Frame} Frame */
/**
 * A stage, or 'all' when not stepping: layers 0..forward have z and a, layers backward..L have δ.
 * @typedef {{ phase: 'all' | 'input' | 'forward' | 'loss' | 'backward' | 'update',
 *   layer: number | null, forward: number, backward: number, loss: boolean }} Shown
 */

/** The stages of one step of a network of this depth (until the layout lists them).
 * @param {number} depth @returns {Shown[]} */
function stagesOf(depth) {
  /** @type {[Shown['phase'], number | null][]} */
  const phases = [['input', 0]];
  for (let l = 1; l <= depth; l += 1) phases.push(['forward', l]);
  phases.push(['loss', null]);
  for (let l = depth; l >= 1; l -= 1) phases.push(['backward', l]);
  phases.push(['update', null]);
  return phases.map(([phase, layer], s) => ({ phase, layer, forward: Math.min(s, depth),
    backward: s > depth + 1 ? Math.max(2 * depth + 2 - s, 1) : depth + 1, loss: s > depth }));
}

/** @param {Layout} layout */
export function stages(layout) {
  return stagesOf(layout.sizes.length - 1);
}

/** @param {Layout} layout @param {number | null} stage the frame's stage @returns {Shown} */
export function shownStage(layout, stage) {
  if (stage === null) {
    return { phase: 'all', layer: null, forward: layout.sizes.length - 1, backward: 1, loss: true };
  }
  return stages(layout)[stage];
}

/** Whether layer l's z and a are known at this stage. @param {Shown} shown @param {number} l */
export function forwardDone(shown, l) {
  return l <= shown.forward;
}

/** Whether layer l's δ is known at this stage. @param {Shown} shown @param {number} l */
export function backwardDone(shown, l) {
  return l >= shown.backward;
}

/** The largest |δ| the diagram shows, which δ colours are relative to (0: none yet).
 * @param {Frame} frame @param {Layout} layout */
export function deltaScale(frame, layout) {
  const shown = shownStage(layout, frame.stage);
  let largest = 0;
  frame.layers.forEach((values, l) => {
    if (l === 0 || !backwardDone(shown, l)) return;
    for (const d of values.delta ?? []) largest = Math.max(largest, Math.abs(d));
  });
  return largest;
}

const RANGES = /** @type {Record<string, [number, number]>} */ ({ sigmoid: [0, 1], softmax: [0, 1],
  tanh: [-1, 1] });

/** The range of layer l's σ when it is bounded, else null. @param {Layout} layout @param {number} l */
export function activationRange(layout, l) {
  return RANGES[layout.activations[l - 1]] ?? null;
}

/** An activation on one colour scale, t in [-1, 1]: the middle of a bounded range at 0, an
 * unbounded value squashed by tanh. @param {number} value @param {[number, number] | null} range */
export function activationTone(value, range) {
  if (range === null) return Math.tanh(value);
  const [low, high] = range;
  return (2 * value - (low + high)) / (high - low);
}
