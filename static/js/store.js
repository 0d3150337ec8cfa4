// @ts-check
/** The page's only mutable state. Modules change it through these functions; main.js redraws. */
import { boot } from './boot.js';

/** @typedef {import('./protocol.js').Layout} Layout */
/** @typedef {import('./protocol.js').Frame} Frame */

export const store = {
  /** @type {any} the session config as the server last confirmed it */
  config: null,
  limits: boot.limits,
  choices: boot.choices,
  /** @type {Layout | null} */
  layout: null,
  /** @type {Frame | null} */
  frame: null,
  /** @type {'connecting' | 'running' | 'paused' | 'diverged' | 'disconnected'} */
  status: 'connecting',
  /** @type {number | null} */
  stepsPerSecond: 100,
  /** @type {[number, number, number][]} (step, training loss, test loss) */
  history: [],
  /** @type {string | null} */
  sessionId: null,
  ui: { fill: 'activation', showTest: false },
};

const HISTORY_CAPACITY = 2000;

/** Append a loss point; past capacity keep every other point so the whole run stays drawn. */
export function recordLoss(step, train, test) {
  const rows = store.history;
  if (rows.length && rows[rows.length - 1][0] >= step) {
    if (rows[rows.length - 1][0] === step) return;
    rows.length = 0; // the step count went back: a new run
  }
  rows.push([step, train, test]);
  if (rows.length > HISTORY_CAPACITY) {
    const last = rows[rows.length - 1];
    store.history = rows.filter((_, i) => i % 2 === 0);
    if (store.history[store.history.length - 1] !== last) store.history.push(last);
  }
}
