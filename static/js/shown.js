// @ts-check
/** What a frame shows: which step-by-step stage (the layout lists them, the frame indexes
 * them), which layers have their forward values and δ, and the scales neurons are drawn on. */

/** @typedef {import('./protocol.js').Layout} Layout */
/** @typedef {import('./protocol.js').Frame} Frame */
/**
 * A stage of the layout, or 'all' when not stepping: layers 0..forward have z and a, layers
 * backward..L have δ (L + 1: none yet).
 * @typedef {Omit<import('./protocol.js').Stage, 'phase'>
 *   & { phase: import('./protocol.js').Stage['phase'] | 'all' }} Shown
 */

/** @param {Layout} layout @param {number | null} stage the frame's stage @returns {Shown} */
export function shownStage(layout, stage) {
  if (stage === null) {
    return { phase: 'all', layer: null, forward: layout.sizes.length - 1, backward: 1, loss: true };
  }
  return layout.stages[stage];
}

/** Whether layer l's z and a are known at this stage. @param {Shown} shown @param {number} l */
export function forwardDone(shown, l) {
  return l <= shown.forward;
}

/** Whether layer l's δ is known at this stage. @param {Shown} shown @param {number} l */
export function backwardDone(shown, l) {
  return l >= shown.backward;
}

/** Decades of |δ| the δ colours span: from 10^−DELTA_DECADES (white) to 1 (full colour). */
export const DELTA_DECADES = 4;

/** δ on a fixed logarithmic colour scale, t in [-1, 1], the sign by hue: a colour means the same
 * δ in every frame and every layer (a scale fitted to each frame's largest |δ| flickers, and
 * turns one neuron's colour over while its δ hardly moves). @param {number} delta */
export function deltaTone(delta) {
  const size = Math.abs(delta);
  if (!(size > 0) || !Number.isFinite(size)) return 0;
  return Math.sign(delta) * Math.min(1, Math.max(0, 1 + Math.log10(size) / DELTA_DECADES));
}

/** The δ a tone stands for (the legend's ticks). @param {number} tone in [-1, 1] */
export function deltaOfTone(tone) {
  return tone === 0 ? 0 : Math.sign(tone) * 10 ** (DELTA_DECADES * (Math.abs(tone) - 1));
}

/** The range of layer l's σ when it is bounded, else null. @param {Layout} layout @param {number} l */
export function activationRange(layout, l) {
  return layout.activation_ranges[l - 1] ?? null;
}

/** An activation on one colour scale, t in [-1, 1]: the middle of a bounded range at 0, an
 * unbounded value squashed by tanh. @param {number} value @param {[number, number] | null} range */
export function activationTone(value, range) {
  if (range === null) return Math.tanh(value);
  const [low, high] = range;
  return (2 * value - (low + high)) / (high - low);
}
