// @ts-check
/** Training and test loss and accuracy of the current weights. */
import { num, percent } from '../format.js';
import { part } from './dom.js';

/** @param {HTMLElement} root */
export function createMetrics(root) {
  const cells = {
    train_loss: part(root, '#train-loss'),
    test_loss: part(root, '#test-loss'),
    train_accuracy: part(root, '#train-accuracy'),
    test_accuracy: part(root, '#test-accuracy'),
  };
  /** @type {unknown} */
  let shown = null;

  /** @param {import('../store.js').State} state */
  function update(state) {
    const frame = state.frame;
    if (frame === shown || !frame) return;
    shown = frame;
    cells.train_loss.textContent = num(frame.train_loss);
    cells.test_loss.textContent = num(frame.test_loss);
    cells.train_accuracy.textContent = percent(frame.train_accuracy);
    cells.test_accuracy.textContent = percent(frame.test_accuracy);
  }

  return { update };
}
