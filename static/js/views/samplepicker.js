// @ts-check
/** Which examples the diagram follows: the next mini-batch, or one training example (picked on
 * the data plot, or the next one with a button). Data in the plane only. */
import { num } from '../format.js';
import { t } from '../i18n.js';
import { online } from '../store.js';
import { changed, part } from './dom.js';

/** @param {HTMLElement} root @param {{ pick: (sample: number | null) => void }} actions */
export function createSamplePicker(root, actions) {
  const note = part(root, '#sample-note');
  const next = /** @type {HTMLButtonElement} */ (part(root, '#next-sample'));
  const batch = /** @type {HTMLButtonElement} */ (part(root, '#follow-batch'));
  /** The example after the one followed, round the training set. */
  let following = () => 0;
  next.addEventListener('click', () => actions.pick(following()));
  batch.addEventListener('click', () => actions.pick(null));
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function update(state) {
    const { frame, layout } = state;
    if (!changed(shown, [frame, layout, state.status, state.config])) return;
    if (layout) root.hidden = !['boundary', 'regions', 'surface'].includes(layout.view);
    const i = frame?.sample ?? null;
    const train = layout?.train;
    following = () => ((i ?? -1) + 1) % (train?.x1.length || 1);
    note.textContent = i === null || !train ? t('sample.batch')
      : t('sample.one', { i, x1: num(train.x1[i], 3), x2: num(train.x2[i], 3), y: num(train.label[i]) });
    next.disabled = !online(state);
    batch.disabled = !online(state) || i === null;
  }

  return { update };
}
