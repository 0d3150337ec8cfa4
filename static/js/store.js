// @ts-check
/** The page's only mutable state. Modules change it through these functions; main.js redraws. */
import { boot } from './boot.js';

/** @typedef {import('./protocol.js').Layout} Layout */
/** @typedef {import('./protocol.js').Frame} Frame */

export const store = {
  /** @type {any} the session config as the server last confirmed it */
  confirmed: null,
  /** @type {any} what the controls show: the confirmed config plus any edit not yet echoed */
  config: null,
  /** @type {string | null} the edit sent and not yet confirmed or refused, as JSON */
  pendingConfig: null,
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
  /** whether this session has a CSV table to train on */
  uploaded: false,
  ui: {
    fill: 'map',
    showTest: false,
    /** @type {import('./views/network.js').Target | null} what the inspector shows */
    target: null,
  },
};

const HISTORY_CAPACITY = 2000;

/** A config the server confirmed; it replaces the draft unless an edit is still on its way. */
export function confirmConfig(config) {
  store.confirmed = config;
  if (store.pendingConfig === null || store.pendingConfig === JSON.stringify(config)) {
    store.config = structuredClone(config);
    store.pendingConfig = null;
  }
}

/** The server refused the last edit: show what it runs instead. */
export function rejectConfig() {
  store.config = structuredClone(store.confirmed);
  store.pendingConfig = null;
}

/** Connected and told which session: only then do controls mean anything. */
export function online() {
  return store.config !== null && ['running', 'paused', 'diverged'].includes(store.status);
}

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
