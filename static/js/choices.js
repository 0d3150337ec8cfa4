// @ts-check
/** Which output layer and loss go together, from the server's list of allowed pairs per kind of
 * problem (the setup's tasks): the page offers only those, and an edit that would break a pair
 * mends it. Functions edit the config they are given (the store hands them a copy). */

/** @typedef {import('./boot.js').PageSetup} PageSetup */
/** @typedef {import('./protocol.js').SessionConfig} SessionConfig */

/** The kind of problem a config's data is; an uploaded table's is the layout's.
 * @param {PageSetup} setup @param {SessionConfig} config @param {string | undefined} tableTask */
export function taskOf(setup, config, tableTask) {
  const dataset = config.data.dataset;
  return dataset === 'csv' ? tableTask ?? 'binary' : setup.datasets[dataset].task;
}

/** The outputs and losses that appear in some allowed pair of this task.
 * @param {PageSetup} setup @param {string} task */
export function offered(setup, task) {
  const pairs = setup.tasks[task].pairs;
  return { outputs: new Set(pairs.map(([output]) => output)), losses: new Set(pairs.map(([, loss]) => loss)) };
}

/** @param {PageSetup} setup @param {string} task @param {string} output @param {string} loss */
export function allowed(setup, task, output, loss) {
  return setup.tasks[task].pairs.some(([o, l]) => o === output && l === loss);
}

/** A new output layer: the loss stays if it takes it, else the first pair with this output.
 * @param {PageSetup} setup @param {string} task @param {SessionConfig} config @param {string} output */
export function chooseOutput(setup, task, config, output) {
  const network = config.network;
  network.output_activation = output;
  if (allowed(setup, task, output, network.loss)) return;
  const pair = setup.tasks[task].pairs.find(([o]) => o === output);
  if (pair) network.loss = pair[1];
}

/** A new loss: the output stays if the loss takes it, else the first pair with this loss.
 * @param {PageSetup} setup @param {string} task @param {SessionConfig} config @param {string} loss */
export function chooseLoss(setup, task, config, loss) {
  const network = config.network;
  network.loss = loss;
  if (allowed(setup, task, network.output_activation, loss)) return;
  const pair = setup.tasks[task].pairs.find(([, l]) => l === loss);
  if (pair) network.output_activation = pair[0];
}

/**
 * A new dataset; a new kind of problem (or a pair it does not allow) brings its own output layer
 * and loss, and a dataset of a fixed size (the digits) takes all its examples.
 * @param {PageSetup} setup @param {SessionConfig} config @param {string} name
 * @param {string | undefined} tableTask the uploaded table's task (the layout's)
 * @param {number} maxSamples the largest n_samples the server takes
 */
export function chooseDataset(setup, config, name, tableTask, maxSamples) {
  const before = taskOf(setup, config, tableTask);
  config.data.dataset = name;
  const after = taskOf(setup, config, tableTask);
  const network = config.network;
  if (after !== before || !allowed(setup, after, network.output_activation, network.loss)) {
    [network.output_activation, network.loss] = setup.tasks[after].start;
  }
  const most = setup.datasets[name]?.max_samples;
  if (most) config.data.n_samples = Math.min(most, maxSamples);
}
