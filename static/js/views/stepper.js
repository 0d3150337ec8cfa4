// @ts-check
/** Step-by-step mode and the gradient check's button: start stepping, move between the stages
 * of one training step (buttons or the arrow keys), and read what the current stage computes.
 * The server keeps the stage, so every viewer of a session (a projected classroom) follows the
 * same one. */
import { num, superscript } from '../format.js';
import { t, tn } from '../i18n.js';
import { online } from '../store.js';
import { shownStage } from '../shown.js';
import { changed, enable, part, reveal } from './dom.js';

/** @typedef {import('../protocol.js').Frame} Frame */
/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {'start' | 'next' | 'previous' | 'stop'} Walk */

/**
 * @param {HTMLElement} root the step bar and the stage's description
 * @param {{ walk: (action: Walk) => void, gradcheck: () => void }} actions
 */
export function createStepper(root, actions) {
  const start = /** @type {HTMLButtonElement} */ (part(root, '#walk-start'));
  const controls = part(root, '#walk-controls');
  const previous = /** @type {HTMLButtonElement} */ (part(root, '#walk-prev'));
  const next = /** @type {HTMLButtonElement} */ (part(root, '#walk-next'));
  const stop = part(root, '#walk-stop');
  const gradcheck = part(root, '#gradcheck');
  const stageText = part(root, '#walk-stage');
  const description = part(root, '#walk-description');
  let walking = false;
  /** @type {unknown[]} */
  const shown = [];

  start.addEventListener('click', () => actions.walk('start'));
  previous.addEventListener('click', () => actions.walk('previous'));
  next.addEventListener('click', () => actions.walk('next'));
  stop.addEventListener('click', () => actions.walk('stop'));
  gradcheck.addEventListener('click', () => actions.gradcheck());
  window.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!walking || target.closest('input, select, textarea, #network')) return;
    if (event.key === 'ArrowRight') actions.walk('next');
    else if (event.key === 'ArrowLeft') actions.walk('previous');
    else return;
    event.preventDefault();
  });

  /** What the stage computes, in the equations' own terms. @param {Frame} frame @param {Layout} layout */
  function explain(frame, layout) {
    const depth = layout.sizes.length - 1;
    const stage = shownStage(layout, frame.stage);
    const l = stage.layer ?? 0;
    switch (stage.phase) {
      case 'input': return t('walk.input');
      case 'forward': return t('walk.forward', { l, ls: superscript(l), lps: superscript(l - 1) });
      case 'loss': return t('walk.loss', { c: num(frame.shown_loss) });
      case 'backward': return t(l === depth ? 'walk.backward.output' : 'walk.backward.hidden',
        { l, ls: superscript(l), lus: superscript(l + 1) });
      default: return t('walk.update');
    }
  }

  /** @param {Frame} frame @param {Layout} layout @param {number} batchSize */
  function showStage(frame, layout, batchSize) {
    const stage = /** @type {number} */ (frame.stage);
    const count = layout.stages.length;
    previous.disabled = stage === 0;
    next.textContent = stage === count - 1 ? next.dataset.labelApply ?? '' : next.dataset.labelNext ?? '';
    const on = frame.position === null ? t('walk.on.sample', { i: frame.sample })
      : tn('walk.on.batch', batchSize, { m: batchSize, k: frame.position + 1, i: frame.sample });
    stageText.textContent = `${t('walk.stageOf', { s: stage + 1, n: count })} · ${on}`;
    description.textContent = t('text.sentences', { a: explain(frame, layout), b: t('walk.keys') });
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    const { frame, layout } = state;
    if (!changed(shown, [frame, state.status, state.config])) return;
    const live = online(state);
    enable(root.querySelectorAll('button'), live);
    if (!frame || !layout) return;
    const began = frame.stage !== null && !walking;
    walking = frame.stage !== null;
    start.hidden = walking;
    start.disabled = !live || state.status === 'diverged';
    controls.hidden = !walking;
    description.hidden = !walking;
    if (frame.stage !== null) showStage(frame, layout, state.config?.training.batch_size ?? 0);
    if (began) reveal(description);
  }

  return { update };
}
