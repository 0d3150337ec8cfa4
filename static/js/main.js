// @ts-check
/** Wiring: socket messages into the store, user actions out to the socket, views redrawn once
 * per animation frame with whatever is newest. */
import { count, num, percent } from './format.js';
import { t } from './i18n.js';
import { decodeFrame } from './protocol.js';
import { connect } from './socket.js';
import { confirmConfig, online, recordLoss, rejectConfig, store } from './store.js';
import { createBoundaryView } from './views/boundary.js';
import { createConfusionView } from './views/confusion.js';
import { createControls } from './views/controls.js';
import { createCurveView } from './views/curve.js';
import { createGallery } from './views/gallery.js';
import { createParityView } from './views/parity.js';
import { createUpload } from './views/upload.js';
import { createGradCheck } from './views/gradcheck.js';
import { createInspector } from './views/inspector.js';
import { createLossChart } from './views/losschart.js';
import { createNetworkView } from './views/network.js';
import { createStepper } from './views/stepper.js';

const SESSION_KEY = 'backprop-playground-session';
const ERROR_SHOW_MS = 6000;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const canEdit = () => store.status === 'paused';
const network = createNetworkView(byId('network'), byId('tooltip'), {
  onSelect: inspect,
  onEdit: sendEdit,
  canEdit,
});
const inspector = createInspector(byId('inspector'), {
  onClose: () => { network.setSelected(null); inspect(null); },
  onEdit: sendEdit,
  canEdit,
});
const stepper = createStepper({ onWalk: (action) => socket.send({ type: 'walk', action }) });
const gradCheck = createGradCheck(/** @type {HTMLButtonElement} */ (byId('gradcheck')),
  byId('gradcheck-result'), { onCheck: () => socket.send({ type: 'gradcheck' }) });
const boundary = createBoundaryView(/** @type {HTMLCanvasElement} */ (byId('boundary')), {
  onPick: (sample) => socket.send({ type: 'pick', sample }),
});
const curve = createCurveView(/** @type {HTMLCanvasElement} */ (byId('curve')));
const gallery = createGallery(byId('gallery'));
const parity = createParityView(/** @type {HTMLCanvasElement} */ (byId('parity')));
const confusion = createConfusionView(byId('confusion'));
const upload = createUpload({ onError: (message) => showBanner(message, false) });
byId('next-sample').addEventListener('click', () => {
  const n = store.layout?.train.x1.length ?? 1;
  socket.send({ type: 'pick', sample: ((store.frame?.sample ?? -1) + 1) % n });
});
byId('follow-batch').addEventListener('click', () => socket.send({ type: 'pick', sample: null }));
const lossChart = createLossChart(/** @type {HTMLCanvasElement} */ (byId('loss-chart')));
const controls = createControls({
  onConfig: (config) => socket.send({ type: 'config', config }),
  onCommand: (message) => socket.send(message),
  onFill: (mode) => { store.ui.fill = mode; network.setFill(mode); redraw(); },
  onShowTest: (show) => { store.ui.showTest = show; boundary.setShowTest(show); redraw(); },
});

/** Open the inspector on a neuron or weight (null closes it); its numbers follow every frame. */
function inspect(/** @type {import('./views/network.js').Target | null} */ target) {
  store.ui.target = target;
  lastInspection = '';
  if (target === null) inspector.hide();
  socket.send({ type: 'inspect', target });
}

/** Edits from a dragged weight come at pointer rate; the newest is sent once per animation frame. */
let pendingEdit = /** @type {import('./views/network.js').Edit | null} */ (null);
function sendEdit(/** @type {import('./views/network.js').Edit} */ edit) {
  if (pendingEdit === null) {
    requestAnimationFrame(() => {
      socket.send({ type: 'edit', ...pendingEdit });
      pendingEdit = null;
    });
  }
  pendingEdit = edit;
}

/** A target that still exists in a new layout stays inspected (a reset, new data). */
function stillThere(/** @type {any} */ target, /** @type {number[]} */ sizes) {
  return target.layer < sizes.length && target.index < sizes[target.layer]
    && (target.kind === 'neuron' || target.source < sizes[target.layer - 1]);
}

let lastInspection = '';
function showInspection(/** @type {any} */ message) {
  if (store.ui.target === null || !store.layout) return;
  const stage = store.frame?.stage ?? null;
  const key = JSON.stringify([message, stage, store.status]);
  if (key === lastInspection) return;
  lastInspection = key;
  inspector.show(message, stage, store.layout.sizes.length - 1);
}

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
  drawResults(frame);
  lossChart.update(store.history);
  byId('step-count').textContent = count(frame.step);
  byId('epoch-count').textContent = frame.epoch.toFixed(frame.epoch < 10 ? 2 : 1);
  byId('train-loss').textContent = num(frame.trainLoss);
  byId('test-loss').textContent = num(frame.testLoss);
  byId('train-accuracy').textContent = percent(frame.trainAccuracy);
  byId('test-accuracy').textContent = percent(frame.testAccuracy);
  const penalty = byId('penalty-note');
  penalty.hidden = !(frame.penalty > 0);
  penalty.textContent = t('out.lossPlusPenalty', { loss: num(frame.trainLoss), penalty: num(frame.penalty) });
  byId('batch-note').textContent = frame.sample === null
    ? t('net.batchNote', { n: store.config?.training.batch_size ?? 0 })
    : t('net.sampleNote', { i: frame.sample });
  byId('fill-note').textContent = fillNote();
  if (store.layout) stepper.update(frame, store.layout, online() && store.status !== 'diverged');
  byId('sample-note').textContent = sampleNote(frame.sample);
  /** @type {HTMLButtonElement} */ (byId('follow-batch')).disabled = frame.sample === null;
}

/** The output panel's views for this kind of problem: which show, and with what setup. */
function resetResults(/** @type {import('./protocol.js').Layout} */ layout) {
  const plane = ['boundary', 'regions', 'surface'].includes(layout.view);
  byId('plane-view').hidden = !plane;
  byId('plane-legend').hidden = !plane || layout.view === 'regions';
  byId('show-test-control').hidden = !plane && layout.view !== 'curve';
  byId('curve-view').hidden = layout.view !== 'curve';
  byId('gallery').hidden = layout.view !== 'gallery';
  byId('parity-view').hidden = layout.view !== 'parity';
  byId('confusion').hidden = layout.task === 'regression';
  byId('sample-note').parentElement.hidden = !plane;
  const captions = { boundary: 'out.boundary', regions: 'out.regions', surface: 'out.surface' };
  if (plane) byId('boundary-caption').textContent = t(captions[layout.view]);
  const [low, high] = layout.y_range;
  byId('legend-low').textContent = layout.view === 'surface' ? num(low, 3) : t('out.legendClass0');
  byId('legend-high').textContent = layout.view === 'surface' ? num(high, 3) : t('out.legendClass1');
  if (plane) boundary.reset(layout);
  if (layout.view === 'curve') {
    curve.reset({ train: { x: layout.train.x1, y: layout.train.x2 }, test: { x: layout.test.x1, y: layout.test.x2 },
      xRange: [-layout.extent, layout.extent], yRange: layout.y_range,
      xName: layout.feature_names[0], yName: layout.target_name });
  }
  if (layout.view === 'gallery') gallery.reset(layout.gallery, layout.class_names);
  if (layout.view === 'parity') {
    parity.reset({ targets: layout.parity_targets, yRange: layout.y_range, name: layout.target_name });
  }
  if (layout.task !== 'regression') confusion.reset(layout.class_names);
  upload.describe(layout);
}

function drawResults(/** @type {import('./protocol.js').Frame} */ frame) {
  const view = store.layout?.view;
  if (['boundary', 'regions', 'surface'].includes(view ?? '')) boundary.update(frame);
  if (view === 'curve') curve.update(frame.results.curve, store.ui.showTest);
  if (view === 'gallery') gallery.update(frame.results.gallery);
  if (view === 'parity') parity.update(frame.results.parity);
  if (frame.results.confusion) confusion.update(frame.results.confusion);
}

function fillNote() {
  const kind = store.layout?.input_kind;
  if (kind === 'image') return t('net.imageNote');
  if (store.ui.fill === 'delta') return t('net.deltaScale', { v: num(network.deltaScale) });
  if (kind === 'table') return t('net.tableNote');
  return store.ui.fill === 'map' ? t('net.mapNote') : '';
}

function sampleNote(/** @type {number | null} */ i) {
  const train = store.layout?.train;
  if (i === null || !train) return t('sample.batch');
  return t('sample.one', { i, x1: num(train.x1[i], 3), x2: num(train.x2[i], 3), y: num(train.label[i]) });
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
      onHello(message);
      break;
    case 'layout':
      store.layout = message;
      store.frame = null;
      // Which result view is up, for styles and for tests that wait for a new kind of problem.
      document.body.dataset.view = message.view;
      network.reset(message);
      resetResults(message);
      gradCheck.hide();
      if (store.ui.target && !stillThere(store.ui.target, message.sizes)) inspect(null);
      network.setSelected(store.ui.target);
      break;
    case 'inspection':
      showInspection(message);
      break;
    case 'gradcheck':
      gradCheck.show(message);
      break;
    case 'history':
      store.history = message.rows.map((/** @type {any[]} */ r) => r.map((v) => v ?? NaN));
      break;
    case 'status':
      store.status = message.status;
      confirmConfig(message.config);
      store.stepsPerSecond = message.steps_per_second;
      showStatus();
      break;
    case 'error': {
      const detail = message.errors.length
        ? message.errors.map((/** @type {any} */ e) => `${e.field}: ${e.message}`).join('; ')
        : message.message;
      showBanner(t('error.refused', { detail }), false);
      rejectConfig();
      controls.update();
      break;
    }
    default:
      break;
  }
}

/**
 * A session we asked for carries on as it was. A new one starts training at once; if it
 * replaces one the server no longer has (restarted, or idle too long), it gets the old setup.
 * @param {any} message
 */
function onHello(message) {
  const lost = store.confirmed !== null && message.session_id !== store.sessionId;
  if (message.session_id !== requestedSession || lost) {
    if (lost) {
      store.pendingConfig = JSON.stringify(store.confirmed);
      socket.send({ type: 'config', config: store.confirmed });
    }
    if (!lost || wasRunning) socket.send({ type: 'play' });
  }
  store.sessionId = message.session_id;
  confirmConfig(lost ? store.confirmed : message.config);
  sessionStorage.setItem(SESSION_KEY, message.session_id);
  const url = new URL(window.location.href);
  if (url.searchParams.has('session') && url.searchParams.get('session') !== message.session_id) {
    url.searchParams.delete('session');
    window.history.replaceState(null, '', url);
  }
  byId('session-id').textContent = message.session_id;
  // A new connection has a new viewer on the server: tell it what the inspector shows.
  if (store.ui.target) socket.send({ type: 'inspect', target: store.ui.target });
  controls.update();
}

/** @param {ArrayBuffer} data */
function onFrame(data) {
  if (!store.layout) return;
  const frame = decodeFrame(data, store.layout);
  if (!frame) return;
  // Maps come at a lower rate than numbers: a frame without them shows the latest ones.
  frame.maps = frame.maps ?? store.frame?.maps ?? null;
  store.frame = frame;
  recordLoss(frame.step, frame.trainLoss, frame.testLoss);
  redraw();
}

/** Whether training was on when the connection dropped, so that a restored session resumes. */
let wasRunning = false;
function onClose() {
  if (store.status !== 'disconnected') wasRunning = store.status === 'running';
  store.status = 'disconnected';
  showStatus();
}

const requestedSession = new URLSearchParams(window.location.search).get('session')
  ?? sessionStorage.getItem(SESSION_KEY);
const socket = connect(requestedSession, { onMessage, onFrame, onClose });
// Sizes follow the panels (window resize, zoom, another screen), redrawn once per animation frame.
let resizePending = false;
new ResizeObserver(() => {
  if (resizePending || !store.layout) return;
  resizePending = true;
  requestAnimationFrame(() => {
    resizePending = false;
    if (!store.layout) return;
    network.reset(store.layout);
    resetResults(store.layout);
    draw(); // now, so that no painted frame shows the rebuilt diagram without its values
  });
}).observe(byId('network'));
// Space plays and pauses, as in video players, unless a control has the keyboard.
window.addEventListener('keydown', (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  if (event.code !== 'Space' || target.closest('input, select, button, textarea')) return;
  event.preventDefault();
  socket.send({ type: store.status === 'running' ? 'pause' : 'play' });
});
