// @ts-check
/** The notes under the diagram: which examples its numbers are about, and what the neurons'
 * fill means. */
import { t, tn } from '../i18n.js';
import { changed, part } from './dom.js';

/** @param {HTMLElement} root */
export function createNetworkNotes(root) {
  const batch = part(root, '#batch-note');
  const fill = part(root, '#fill-note');
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function fillNote(state) {
    const kind = state.layout?.input_kind;
    if (kind === 'image') return t('net.imageNote');
    if (state.fill === 'delta') return t('net.deltaScale');
    if (kind === 'table') return t('net.tableNote');
    return state.fill === 'map' ? t('net.mapNote') : '';
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    const frame = state.frame;
    if (!changed(shown, [frame, state.fill, state.config]) || !frame) return;
    const n = state.config?.training.batch_size ?? 0;
    // Step by step on one followed example, the update is that example's alone.
    const alone = frame.position === null && frame.stage !== null;
    batch.textContent = alone ? t('net.walkSampleNote', { i: frame.sample })
      : frame.position === null ? tn('net.sampleNote', n, { i: frame.sample })
        : tn('net.positionNote', n, { i: frame.sample, k: frame.position + 1 });
    fill.textContent = fillNote(state);
  }

  return { update };
}
