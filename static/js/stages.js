// @ts-check
/** What a step-by-step stage has computed so far; mirrors app/engine/walkthrough.py.
 * Stage 0 is the input, 1..L the forward pass of layer l, L + 1 the loss, L + 2 .. 2L + 1 the
 * backward pass of layers L down to 1, and 2L + 2 the update. */

/**
 * @typedef {{ phase: 'all' | 'input' | 'forward' | 'loss' | 'backward' | 'update',
 *   layer: number | null, forward: (l: number) => boolean, backward: (l: number) => boolean,
 *   loss: boolean }} Stage
 */

/**
 * @param {number | null} stage null when not stepping: everything is shown
 * @param {number} depth L, the number of layers after the input
 * @returns {Stage}
 */
export function describeStage(stage, depth) {
  if (stage === null) {
    return { phase: 'all', layer: null, forward: () => true, backward: () => true, loss: true };
  }
  const forward = (/** @type {number} */ l) => l <= stage;
  const backward = (/** @type {number} */ l) => stage >= 2 * depth + 2 - l;
  const loss = stage >= depth + 1;
  if (stage === 0) return { phase: 'input', layer: 0, forward, backward, loss };
  if (stage <= depth) return { phase: 'forward', layer: stage, forward, backward, loss };
  if (stage === depth + 1) return { phase: 'loss', layer: null, forward, backward, loss };
  if (stage <= 2 * depth + 1) {
    return { phase: 'backward', layer: 2 * depth + 2 - stage, forward, backward, loss };
  }
  return { phase: 'update', layer: null, forward, backward, loss };
}

/** @param {number} depth */
export function stageCount(depth) {
  return 2 * depth + 3;
}
