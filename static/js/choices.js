// @ts-check
/** Which output layer and loss go together, from the server's list of allowed pairs per kind of
 * problem (the setup's tasks): the page offers only those, and an edit that would break a pair
 * mends it. Functions edit the config they are given (the store hands them a copy). */

/** @typedef {import('./boot.js').PageSetup} PageSetup */
/** @typedef {import('./protocol.js').SessionConfig} SessionConfig */
/** @typedef {SessionConfig['network']} Network */
/** @typedef {import('./protocol.js').Layout['task']} Task */

/** The kind of problem a config's data is; an uploaded table's is the layout's.
 * @param {PageSetup} setup @param {SessionConfig} config @param {Task | undefined} tableTask
 * @returns {Task} */
export function taskOf(setup, config, tableTask) {
  const dataset = config.data.dataset;
  return dataset === 'csv' ? tableTask ?? 'binary' : setup.datasets[dataset].task;
}

/** Every allowed (output, loss) pair of a task, in the server's order of preference.
 * @param {PageSetup} setup @param {Task} task */
function pairs(setup, task) {
  return setup.tasks[task]?.pairs ?? [];
}

/** The outputs and losses that appear in some allowed pair of this task.
 * @param {PageSetup} setup @param {Task} task */
export function offered(setup, task) {
  const all = pairs(setup, task);
  return { outputs: new Set(all.map(([output]) => output)), losses: new Set(all.map(([, loss]) => loss)) };
}

/** @param {PageSetup} setup @param {Task} task @param {string} output @param {string} loss */
export function allowed(setup, task, output, loss) {
  return pairs(setup, task).some(([o, l]) => o === output && l === loss);
}

/** Set a pair (the server's names, so of its types). @param {Network} network @param {string[]} pair */
function take(network, [output, loss]) {
  network.output_activation = /** @type {Network['output_activation']} */ (output);
  network.loss = /** @type {Network['loss']} */ (loss);
}

/** A new output layer: the loss stays if it takes it, else the first pair with this output.
 * @param {PageSetup} setup @param {Task} task @param {SessionConfig} config @param {string} output */
export function chooseOutput(setup, task, config, output) {
  const network = config.network;
  if (allowed(setup, task, output, network.loss)) take(network, [output, network.loss]);
  else take(network, pairs(setup, task).find(([o]) => o === output) ?? [output, network.loss]);
}

/** A new loss: the output stays if the loss takes it, else the first pair with this loss.
 * @param {PageSetup} setup @param {Task} task @param {SessionConfig} config @param {string} loss */
export function chooseLoss(setup, task, config, loss) {
  const network = config.network;
  if (allowed(setup, task, network.output_activation, loss)) take(network, [network.output_activation, loss]);
  else take(network, pairs(setup, task).find(([, l]) => l === loss) ?? [network.output_activation, loss]);
}

/**
 * A new dataset; a new kind of problem (or a pair it does not allow) brings its own output layer
 * and loss, and a dataset of a fixed size (the digits) takes all its examples.
 * @param {PageSetup} setup @param {SessionConfig} config @param {string} name
 * @param {Task | undefined} tableTask the uploaded table's task (the layout's)
 * @param {number} maxSamples the largest n_samples the server takes
 */
export function chooseDataset(setup, config, name, tableTask, maxSamples) {
  const before = taskOf(setup, config, tableTask);
  config.data.dataset = /** @type {SessionConfig['data']['dataset']} */ (name);
  const after = taskOf(setup, config, tableTask);
  const network = config.network;
  const start = setup.tasks[after]?.start;
  if (start && (after !== before || !allowed(setup, after, network.output_activation, network.loss))) {
    take(network, start);
  }
  const most = setup.datasets[name]?.max_samples;
  if (most) config.data.n_samples = Math.min(most, maxSamples);
}
