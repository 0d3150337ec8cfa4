// @ts-check
/** Small messages as the server sends them, for the page's pure modules. */

/** @returns {import('../../static/js/protocol.js').SessionConfig} */
export function config() {
  return {
    network: { hidden_layers: [4, 2], activation: 'tanh', hidden_activations: null,
      output_activation: 'sigmoid', leaky_slope: 0.01, loss: 'binary_cross_entropy', init: 'xavier' },
    data: { dataset: 'circle', n_samples: 400, noise: 0, test_ratio: 0.5, classes: 3,
      features: ['x1', 'x2'], scaling: 'none', seed: 0 },
    training: { learning_rate: 0.1, batch_size: 10, optimizer: 'sgd', momentum: 0.9, rho: 0.9,
      beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decay: 'none', decay_rate: 0.5, decay_steps: 1000,
      regularization: 'none', regularization_rate: 0.001 },
    seed: 0,
  };
}

/** A layout of these layer sizes; only what the page's pure modules read is filled in.
 * @param {number[]} sizes @returns {import('../../static/js/protocol.js').Layout} */
export function layout(sizes, task = 'binary', inputKind = 'plane') {
  const depth = sizes.length - 1;
  return /** @type {any} */ ({
    type: 'layout', version: 1, sizes, task, input_kind: inputKind, view: 'boundary',
    activations: sizes.slice(1).map((_, i) => (i === depth - 1 ? 'sigmoid' : 'relu')),
    activation_ranges: sizes.slice(1).map((_, i) => (i === depth - 1 ? [0, 1] : null)),
    feature_names: ['x1', 'x2'], target_name: 'y', class_names: ['0', '1'], train_size: 200,
    stages: stagesOf(depth),
  });
}

/** The stages as app/engine/walkthrough.py lists them. @param {number} depth */
function stagesOf(depth) {
  /** @type {[string, number | null][]} */
  const phases = [['input', 0]];
  for (let l = 1; l <= depth; l += 1) phases.push(['forward', l]);
  phases.push(['loss', null]);
  for (let l = depth; l >= 1; l -= 1) phases.push(['backward', l]);
  phases.push(['update', null]);
  return phases.map(([phase, layer], s) => ({ phase, layer, forward: Math.min(s, depth),
    backward: s > depth + 1 ? Math.max(2 * depth + 2 - s, 1) : depth + 1, loss: s > depth }));
}

/** The page's setup: just the part the pure modules read. @returns {any} */
export function setup() {
  return {
    limits: { max_samples: 2000, max_hidden_layers: 6 },
    datasets: {
      circle: { task: 'binary', input_kind: 'plane', takes_classes: false, max_samples: null },
      xor: { task: 'binary', input_kind: 'plane', takes_classes: false, max_samples: null },
      blobs: { task: 'multiclass', input_kind: 'plane', takes_classes: true, max_samples: null },
      sin: { task: 'regression', input_kind: 'line', takes_classes: false, max_samples: null },
      digits: { task: 'multiclass', input_kind: 'image', takes_classes: false, max_samples: 1797 },
    },
    tasks: {
      binary: { start: ['sigmoid', 'binary_cross_entropy'], pairs: [['sigmoid', 'binary_cross_entropy'],
        ['sigmoid', 'mse'], ['tanh', 'mse'], ['tanh', 'mae'], ['linear', 'mse'], ['linear', 'huber']] },
      multiclass: { start: ['softmax', 'categorical_cross_entropy'], pairs: [
        ['softmax', 'categorical_cross_entropy'], ['softmax', 'mse'], ['sigmoid', 'mse'], ['linear', 'mse']] },
      regression: { start: ['linear', 'mse'], pairs: [['linear', 'mse'], ['linear', 'mae'],
        ['linear', 'huber'], ['tanh', 'mse'], ['sigmoid', 'mse']] },
    },
  };
}
