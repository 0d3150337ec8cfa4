// @ts-check
/** Wiring: socket messages into the store, user actions out to the socket, views redrawn once
 * per animation frame with whatever is newest. */
import { count, num, percent } from './format.js';
import { t } from './i18n.js';
import { decodeFrame } from './protocol.js';
import { connect } from './socket.js';
import { recordLoss, store } from './store.js';
import { createBoundaryView } from './views/boundary.js';
import { createControls } from './views/controls.js';
import { createLossChart } from './views/losschart.js';
import { createNetworkView } from './views/network.js';

const SESSION_KEY = 'backprop-playground-session';
const ERROR_SHOW_MS = 6000;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const network = createNetworkView(byId('network'), byId('tooltip'));
const boundary = createBoundaryView(/** @type {HTMLCanvasElement} */ (byId('boundary')));
const lossChart = createLossChart(/** @type {HTMLCanvasElement} */ (byId('loss-chart')));
const controls = createControls({
  onConfig: (config) => socket.send({ type: 'config', config }),
  onCommand: (message) => socket.send(message),
  onFill: (mode) => { store.ui.fill = mode; network.setFill(mode); redraw(); },
  onShowTest: (show) => { store.ui.showTest = show; boundary.setShowTest(show); redraw(); },
});

let drawPending = false;
function redraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

function draw() {
  const frame = store.frame;
  if (!frame) return;
  network.update(frame);
  boundary.update(frame);
  lossChart.update(store.history);
  byId('step-count').textContent = count(frame.step);
  byId('epoch-count').textContent = frame.epoch.toFixed(frame.epoch < 10 ? 2 : 1);
  byId('train-loss').textContent = num(frame.trainLoss);
  byId('test-loss').textContent = num(frame.testLoss);
  byId('train-accuracy').textContent = percent(frame.trainAccuracy);
  byId('test-accuracy').textContent = percent(frame.testAccuracy);
  byId('batch-note').textContent = t('net.batchNote', { n: store.config?.training.batch_size ?? 0 });
  byId('fill-note').textContent = store.ui.fill === 'delta' ? t('net.deltaScale', { v: num(network.deltaScale) }) : '';
}

let bannerTimer = 0;
/** @param {string} text @param {boolean} sticky */
function showBanner(text, sticky) {
  const banner = byId('banner');
  banner.textContent = text;
  banner.hidden = false;
  banner.classList.toggle('sticky', sticky);
  clearTimeout(bannerTimer);
  if (!sticky) bannerTimer = window.setTimeout(() => { banner.hidden = true; }, ERROR_SHOW_MS);
}

function showStatus() {
  byId('status').textContent = t(`status.${store.status}`);
  byId('status').dataset.status = store.status;
  if (store.status === 'diverged') showBanner(t('diverged.help'), true);
  else if (byId('banner').classList.contains('sticky')) byId('banner').hidden = true;
  controls.update();
}

/** @param {any} message */
function onMessage(message) {
  switch (message.type) {
    case 'hello':
      // A session made for this page starts training at once; a resumed one keeps its state.
      if (message.session_id !== store.sessionId && message.session_id !== requestedSession) {
        socket.send({ type: 'play' });
      }
      store.sessionId = message.session_id;
      store.config = message.config;
      sessionStorage.setItem(SESSION_KEY, message.session_id);
      byId('session-id').textContent = message.session_id;
      controls.update();
      break;
    case 'layout':
      store.layout = message;
      store.frame = null;
      network.reset(message);
      boundary.reset(message);
      break;
    case 'history':
      store.history = message.rows.map((/** @type {any[]} */ r) => r.map((v) => v ?? NaN));
      break;
    case 'status':
      store.status = message.status;
      store.config = message.config;
      store.stepsPerSecond = message.steps_per_second;
      showStatus();
      break;
    case 'error': {
      const detail = message.errors.length
        ? message.errors.map((/** @type {any} */ e) => `${e.field}: ${e.message}`).join('; ')
        : message.message;
      showBanner(t('error.refused', { detail }), false);
      break;
    }
    default:
      break;
  }
}

/** @param {ArrayBuffer} data */
function onFrame(data) {
  if (!store.layout) return;
  const frame = decodeFrame(data, store.layout);
  if (!frame) return;
  store.frame = frame;
  recordLoss(frame.step, frame.trainLoss, frame.testLoss);
  redraw();
}

function onClose() {
  store.status = 'disconnected';
  showStatus();
}

const requestedSession = new URLSearchParams(window.location.search).get('session')
  ?? sessionStorage.getItem(SESSION_KEY);
const socket = connect(requestedSession, { onMessage, onFrame, onClose });
window.addEventListener('resize', () => { if (store.layout) { network.reset(store.layout); boundary.reset(store.layout); redraw(); } });
// Space plays and pauses, as in video players, unless a control has the keyboard.
window.addEventListener('keydown', (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  if (event.code !== 'Space' || target.closest('input, select, button, textarea')) return;
  event.preventDefault();
  socket.send({ type: store.status === 'running' ? 'pause' : 'play' });
});
