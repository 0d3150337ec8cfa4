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
