// @ts-check
/** What the server put in the page before it connects (its PageSetup): limits, choices, what
 * fits each kind of problem, previews and the message catalogue. Read when asked, never at
 * import, so that modules that do not need it run anywhere. */

/**
 * @typedef {{ task: string, input_kind: string, takes_classes: boolean,
 *   max_samples: number | null }} DatasetChoice
 * @typedef {{ task: string, input_kind: string, points?: import('./protocol.js').Points,
 *   pixels?: number[] }} DatasetPreview
 * @typedef {{ pairs: [string, string][], start: [string, string] }} TaskChoices
 * @typedef {{ limits: Record<string, number>, choices: Record<string, string[]>,
 *   datasets: Record<string, DatasetChoice>, loss_unwise: Record<string, string[]>,
 *   loss_outputs: Record<string, string[] | null>, task_outputs: Record<string, [string, string]>,
 *   tasks: Record<string, TaskChoices>,
 *   defaults: import('./protocol.js').SessionConfig, messages: Record<string, string>,
 *   previews: Record<string, DatasetPreview>, extent: number }} PageSetup
 */

/** @param {Document} doc @returns {PageSetup} */
export function readSetup(doc = document) {
  const setup = JSON.parse(doc.getElementById('boot')?.textContent ?? '{}');
  return { ...setup, tasks: setup.tasks ?? tasksOf(setup) };
}

/** Until the server says which (output, loss) pairs fit each task: derived from the losses'
 * accepted outputs. @param {any} setup @returns {Record<string, TaskChoices>} */
function tasksOf(setup) {
  /** @type {Record<string, TaskChoices>} */
  const tasks = {};
  for (const task of ['binary', 'multiclass', 'regression']) {
    const losses = setup.choices.loss.filter((/** @type {string} */ l) => (task === 'regression'
      ? !l.endsWith('cross_entropy')
      : l !== (task === 'binary' ? 'categorical_cross_entropy' : 'binary_cross_entropy')));
    const outputs = setup.choices.output_activation.filter((/** @type {string} */ a) => a !== 'softmax' || task === 'multiclass');
    const start = setup.task_outputs[task];
    /** @type {[string, string][]} */
    const pairs = [start];
    for (const output of outputs) {
      for (const loss of losses) {
        const allowed = setup.loss_outputs[loss];
        if ((allowed === null || allowed.includes(output)) && !(output === start[0] && loss === start[1])) {
          pairs.push([output, loss]);
        }
      }
    }
    tasks[task] = { pairs, start };
  }
  return tasks;
}
