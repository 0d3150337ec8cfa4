// @ts-check
/** Step-by-step mode: start it, move between the stages of one training step (buttons or the
 * arrow keys), and read what the current stage computes. The server keeps the stage, so every
 * viewer of a session (a projected classroom) follows the same one. */
import { num, superscript } from '../format.js';
import { t } from '../i18n.js';
import { describeStage, stageCount } from '../stages.js';
import { store } from '../store.js';

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {{ onWalk: (action: 'start' | 'next' | 'previous' | 'stop') => void }} actions */
export function createStepper(actions) {
  const start = /** @type {HTMLButtonElement} */ (byId('walk-start'));
  const controls = byId('walk-controls');
  const previous = /** @type {HTMLButtonElement} */ (byId('walk-prev'));
  const next = /** @type {HTMLButtonElement} */ (byId('walk-next'));
  const description = byId('walk-description');
  let walking = false;

  start.addEventListener('click', () => actions.onWalk('start'));
  previous.addEventListener('click', () => actions.onWalk('previous'));
  next.addEventListener('click', () => actions.onWalk('next'));
  byId('walk-stop').addEventListener('click', () => actions.onWalk('stop'));
  window.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!walking || target.closest('input, select, textarea')) return;
    if (event.key === 'ArrowRight') actions.onWalk('next');
    else if (event.key === 'ArrowLeft') actions.onWalk('previous');
    else return;
    event.preventDefault();
  });

  /**
   * @param {import('../protocol.js').Frame} frame
   * @param {import('../protocol.js').Layout} layout
   * @param {boolean} usable connected and not diverged
   */
  function update(frame, layout, usable) {
    walking = frame.stage !== null;
    start.hidden = walking;
    start.disabled = !usable;
    controls.hidden = !walking;
    description.hidden = !walking;
    if (frame.stage === null) return;
    const depth = layout.sizes.length - 1;
    const count = stageCount(depth);
    previous.disabled = frame.stage === 0;
    const last = frame.stage === count - 1;
    next.textContent = last ? next.dataset.labelApply ?? '' : next.dataset.labelNext ?? '';
    const on = frame.sample === null
      ? t('walk.on.batch', { m: store.config?.training.batch_size ?? 0 })
      : t('walk.on.sample', { i: frame.sample });
    byId('walk-stage').textContent = `${t('walk.stageOf', { s: frame.stage + 1, n: count })} · ${on}`;
    description.textContent = `${explain(frame, depth)} ${t('walk.keys')}`;
  }

  /** What the stage computes, in the equations' own terms. */
  function explain(/** @type {import('../protocol.js').Frame} */ frame, /** @type {number} */ depth) {
    const stage = describeStage(frame.stage, depth);
    const l = stage.layer ?? 0;
    switch (stage.phase) {
      case 'input': return t('walk.input');
      case 'forward': return t('walk.forward', { l, ls: superscript(l), lps: superscript(l - 1) });
      case 'loss': return t('walk.loss', { c: num(frame.shownLoss) });
      case 'backward': return t(l === depth ? 'walk.backward.output' : 'walk.backward.hidden',
        { l, ls: superscript(l), lus: superscript(l + 1) });
      default: return t('walk.update');
    }
  }

  return { update };
}
