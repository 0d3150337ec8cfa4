// @ts-check
/** Whose numbers the diagram shows: one followed training example (picked on the data plot, or
 * the next one with a button), or the next mini-batch's examples one at a time. Data in the
 * plane only. */
import { num } from '../format.js';
import { t } from '../i18n.js';
import { online } from '../store.js';
import { changed, part } from './dom.js';

/** @param {HTMLElement} root
 * @param {{ pick: (sample: number | null, position?: number) => void }} actions */
export function createSamplePicker(root, actions) {
  const note = part(root, '#sample-note');
  const next = /** @type {HTMLButtonElement} */ (part(root, '#next-sample'));
  const batch = /** @type {HTMLButtonElement} */ (part(root, '#follow-batch'));
  /** The next example: of the training set, or of the batch being gone through. */
  let following = () => actions.pick(0);
  next.addEventListener('click', () => following());
  batch.addEventListener('click', () => actions.pick(null, 0));
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function update(state) {
    const { frame, layout } = state;
    if (!changed(shown, [frame, layout, state.status, state.config])) return;
    if (layout) root.hidden = !['boundary', 'regions', 'surface'].includes(layout.view);
    const i = frame?.sample ?? 0;
    const position = frame?.position ?? null;
    const train = layout?.train;
    const n = state.config?.training.batch_size ?? 1;
    following = position === null ? () => actions.pick((i + 1) % (train?.x1.length || 1))
      : () => actions.pick(null, (position + 1) % n);
    const where = train ? { i, x1: num(train.x1[i], 3), x2: num(train.x2[i], 3), y: num(train.label[i]) }
      : { i, x1: '–', x2: '–', y: '–' };
    note.textContent = position === null ? t('sample.one', where)
      : t('sample.position', { ...where, k: position + 1, n });
    next.disabled = !online(state);
    batch.disabled = !online(state) || position !== null;
  }

  return { update };
}
