// @ts-check
/** For screen readers: while the network trains, where it is (step, losses, accuracy), said
 * politely and at most every few seconds; the canvases' text alternatives (the loss chart, the
 * plane) say what they show now in words and numbers, refreshed as rarely. */
import { count, num, percent } from '../format.js';
import { t } from '../i18n.js';

export const EVERY_MS = 5000;

/**
 * @param {HTMLElement} live the polite live region
 * @param {{ lossChart: HTMLElement, plane: HTMLElement }} pictures
 * @param {() => number} [now]
 */
export function createAnnouncer(live, pictures, now = () => performance.now()) {
  let said = -Infinity;
  let described = -Infinity;
  /** @type {number | null} */
  let firstLoss = null;
  /** @type {unknown} */
  let layout = null;

  /** @param {import('../store.js').State} state */
  function update(state) {
    const { frame } = state;
    if (!frame || !state.layout) return;
    if (state.layout !== layout || frame.step === 0) {
      layout = state.layout;
      firstLoss = null;
      described = -Infinity;
    }
    firstLoss ??= frame.train_loss;
    const classes = state.layout.task !== 'regression';
    const numbers = { step: count(frame.step), loss: num(frame.train_loss), test: num(frame.test_loss),
      accuracy: percent(frame.test_accuracy) };
    const time = now();
    if (state.status === 'running' && time - said >= EVERY_MS) {
      said = time;
      live.textContent = t(classes ? 'a11y.progressAccuracy' : 'a11y.progress', numbers);
    }
    if (time - described < EVERY_MS / 2) return;
    described = time;
    pictures.lossChart.setAttribute('aria-label', t('a11y.lossChart', { ...numbers, first: num(firstLoss) }));
    const view = state.layout.view;
    const key = view === 'regions' ? 'a11y.regions' : view === 'surface' ? 'a11y.surface' : 'a11y.boundary';
    pictures.plane.setAttribute('aria-label', t(key, classes
      ? { train: percent(frame.train_accuracy), test: percent(frame.test_accuracy) }
      : { train: num(frame.train_loss), test: num(frame.test_loss) }));
  }

  return { update };
}
