// @ts-check
/** Wiring only: the server's messages become store actions, store changes redraw the views
 * (once per animation frame) and tell the server what it must know, and the views' actions
 * become store actions or messages to the server. */
import { decodeConfig } from './address.js';
import { readSetup } from './boot.js';
import { decodeFrame } from './protocol.js';
import { latestPerFrame, oncePerFrame } from './schedule.js';
import { language } from './i18n.js';
import {
  backToClass, connect, forkedFrom, forkRoom, openModel, ownName, readLesson, readLessons, renameOwn,
  requestedLesson, requestedRoom, requestedSession,
} from './server.js';
import * as act from './store.js';
import { createAddress } from './views/address.js';
import { createAnnouncer } from './views/announcer.js';
import { arrangeColumns } from './views/arrangement.js';
import { createBanner } from './views/banner.js';
import { createColumnHeads } from './views/columnheads.js';
import { createCounters } from './views/counters.js';
import { createDataPanel } from './views/datapanel.js';
import { createDiagram } from './views/diagram.js';
import { createFillLegend } from './views/filllegend.js';
import { createFirstHint } from './views/firsthint.js';
import { createDashboard } from './views/dashboard.js';
import { createFollowerBar } from './views/follower.js';
import { createFooter } from './views/footer.js';
import { createGradCheck } from './views/gradcheck.js';
import { createHyper } from './views/hyper.js';
import { createInspector } from './views/inspector.js';
import { createLanguageSwitch, followSavedLanguage } from './views/language.js';
import { createLessonMenu } from './views/lessonmenu.js';
import { createLessonPanel } from './views/lessonpanel.js';
import { createLossChart } from './views/losschart.js';
import { createLossFormula } from './views/lossformula.js';
import { createMetrics } from './views/metrics.js';
import { createNetworkHead } from './views/networkhead.js';
import { createNetworkNotes } from './views/networknotes.js';
import { createPage } from './views/page.js';
import { createModelLinks } from './views/modellinks.js';
import { createPageLinks } from './views/pagelinks.js';
import { createPresent } from './views/present.js';
import { createResults } from './views/results.js';
import { createSamplePicker } from './views/samplepicker.js';
import { createShortcuts } from './views/shortcuts.js';
import { createStatus } from './views/status.js';
import { createStepper } from './views/stepper.js';
import { createTrainingPanel } from './views/training.js';
import { createTransport } from './views/transport.js';

/** @typedef {import('./protocol.js').ServerMessage} ServerMessage */
// How often the teacher's page reads its room's number of followers (and its dashboard) again.
const ROOM_POLL_MS = 3000;
/** @typedef {import('./protocol.js').ClientMessage} ClientMessage */

// A page opened in another language than the one chosen here loads again in the chosen one;
// this one then stops before it connects (a promise that never settles).
if (followSavedLanguage(language)) await new Promise(() => {});
const setup = readSetup();
const room = requestedRoom();
const requested = room ? null : requestedSession();
const store = act.createStore(act.initialState(requested, room, room ? null : forkedFrom(requested)));
// A shared link's run: used by a new session only (a reload carries on with its own), once
// the server has said the session's status (edits wait for it).
const linkedConfig = room ? null : decodeConfig(new URL(window.location.href).searchParams.get('config'));
/** @type {import('./protocol.js').SessionConfig | null} */
let pendingConfig = null;
const server = connect(requested, { onMessage, onFrame, onClose: () => store.dispatch(act.disconnected) }, room);
/** @param {ClientMessage} message */
const send = (message) => server.send(message);
/** @param {(config: import('./protocol.js').SessionConfig) => void} change */
const edit = (change) => store.dispatch(act.editConfig, change);
/** @param {import('./protocol.js').Target | null} target */
const setTarget = (target) => store.dispatch(act.setTarget, target);
// A dragged weight moves at pointer rate; the server gets where it is once per animation frame.
const sendEdit = latestPerFrame((/** @type {Omit<Extract<ClientMessage, { type: 'edit' }>, 'type'>} */ e) => send({ type: 'edit', ...e }));

/** @param {string} selector */
const el = (selector) => /** @type {HTMLElement} */ (document.querySelector(selector));
const diagram = createDiagram(el('#network'), el('#tooltip'), { setTarget, edit: sendEdit });
arrangeColumns(el('main.columns'));
const views = [
  createAddress(),
  createPage(document.body, {
    togglePlay: () => store.state.steering && send({ type: store.state.status === 'running' ? 'pause' : 'play' }),
    reset: () => store.state.steering && send({ type: 'reset' }),
    toggleJoinCode: () => store.dispatch(act.showJoinScreen, !store.state.presenting?.shown),
    lesson: async (n) => {
      if (!store.state.steering) return;
      const id = (await listLessons())[n - 1]?.id;
      if (id) openLesson(id, null);
    },
    present: (on) => store.dispatch(act.setPresenter, on),
  }),
  createPageLinks(el('.topbar .page-links'), { restore }),
  createModelLinks(el('.panel.training .model-links'), {
    openModel: async (file) => {
      const refusal = await openModel(await file.text());
      if (refusal) store.dispatch(act.refused, refusal);
    },
  }),
  createTransport(el('.topbar .transport'), { send }),
  createCounters(el('.topbar .counters'), { send }),
  createHyper(el('.topbar .hyper'), setup, { send, edit }),
  createStatus(el('#status')),
  createLanguageSwitch(el('.topbar .language'), language),
  createBanner(el('#banner')),
  createFirstHint(el('#first-hint')),
  createLessonMenu(/** @type {HTMLDialogElement} */ (el('#lessons')), el('#lessons-open'),
    { list: listLessons, open: (id) => openLesson(id, null) }),
  createLessonPanel(el('#lesson-panel'), { open: openLesson, close: () => store.dispatch(act.applyLesson, null) }),
  createFollowerBar(el('#follower-bar'), {
    fork: async () => {
      const refusal = room && await forkRoom(room);
      if (refusal) store.dispatch(act.refused, refusal);
    },
    rename: async (name) => {
      const answer = await renameOwn(store.state.sessionId, name);
      if (answer.refusal) store.dispatch(act.refused, answer.refusal);
      return answer.name ?? null;
    },
  }, ownName(requested)),
  createPresent(/** @type {HTMLDialogElement} */ (el('#present')), el('#present-open'), {
    open: () => present(server.openRoom(), true),
    show: (shown) => store.dispatch(act.showJoinScreen, shown),
    change: (change) => present(server.updateRoom(change)),
    end: () => { server.endRoom().then(() => store.dispatch(act.roomEnded)); },
  }),
  createDashboard(/** @type {HTMLDialogElement} */ (el('#dashboard')), el('#present-dashboard'), {
    open: () => { store.dispatch(act.openDashboard); readDashboard(); },
    close: () => store.dispatch(act.closeDashboard),
    sort: (key) => { store.dispatch(act.sortDashboard, key); readDashboard(); },
    pause: () => teacherAction(server.pauseEveryone()),
    recall: () => teacherAction(server.recallEveryone()),
    project: (session) => present(server.projectRun(session)),
    filter: (change) => store.dispatch(act.filterDashboard, change),
  }),
  createDataPanel(el('.panel.data'), setup, { edit, upload }),
  createTrainingPanel(el('.panel.training'), setup, { edit }),
  createNetworkHead(el('.network-head'), setup, { edit, setFill: (fill) => store.dispatch(act.setFill, fill) }),
  createStepper(el('.network .walk'), {
    walk: (action) => send({ type: 'walk', action }),
    gradcheck: () => { store.dispatch(act.startGradCheck); send({ type: 'gradcheck' }); },
  }),
  createFillLegend(el('#fill-legend')),
  createColumnHeads(el('#column-heads'), setup, { edit }),
  diagram,
  createGradCheck(el('#gradcheck-result')),
  // Closed, the inspector hands the keyboard back to the diagram's neuron or weight.
  createInspector(el('#inspector'), { close: () => { setTarget(null); diagram.focus(); }, edit: sendEdit }),
  createNetworkNotes(el('.network-notes')),
  createMetrics(el('.metrics')),
  createLossChart(el('.loss-view')),
  createResults(el('.output .results'), {
    pick: (sample) => send({ type: 'pick', sample }),
    setShowTest: (show) => store.dispatch(act.setShowTest, show),
  }),
  createSamplePicker(el('.sample-picker'), {
    pick: (sample, position = 0) => send({ type: 'pick', sample, position }),
  }),
  createLossFormula(el('#loss-formula')),
  createFooter(el('.footer')),
  createShortcuts(/** @type {HTMLDialogElement} */ (el('#shortcuts')), el('#shortcuts-open')),
  createAnnouncer(el('#announcer'), { lossChart: el('#loss-chart'), plane: el('#boundary') }),
];
const render = oncePerFrame(() => { for (const view of views) view.update(store.state); });
store.subscribe(render);
// What the server must know of the state: an edit of the config, and what the inspector shows.
store.subscribe((state, previous) => {
  if (state.pending && state.pending !== previous.pending) {
    send({ type: 'config', config: state.pending.config, ref: state.pending.ref });
  }
  if (state.target !== previous.target) send({ type: 'inspect', target: state.target });
});
render();

/** @param {ServerMessage} message */
function onMessage(message) {
  switch (message.type) {
    case 'hello': {
      const commands = act.helloCommands(store.state, message);
      const first = store.state.sessionId === null;
      const created = first && message.session_id !== requested;
      store.dispatch(act.applyHello, message);
      commands.forEach(send);
      // A teacher's reload finds the room still open, its join screen put away; a new session
      // opened from a link runs the link's lesson and config.
      if (first && message.token) present(server.readRoom(), false);
      const linked = requestedLesson();
      if (created && message.token && linked) openLesson(linked.id, linked.variant, linkedConfig === null);
      if (created && message.token) pendingConfig = linkedConfig;
      break;
    }
    case 'layout': store.dispatch(act.applyLayout, message); break;
    case 'status':
      store.dispatch(act.applyStatus, message);
      if (pendingConfig && act.online(store.state)) {
        start(pendingConfig);
        pendingConfig = null;
      }
      break;
    case 'history': store.dispatch(act.applyHistory, message); break;
    case 'inspection': store.dispatch(act.applyInspection, message); break;
    case 'gradcheck': store.dispatch(act.applyGradCheck, message); break;
    case 'error': store.dispatch(act.applyError, message); break;
    case 'recall': backToClass(message.room); break;
    default: break;
  }
}

/** @param {ArrayBuffer} data */
function onFrame(data) {
  const layout = store.state.layout;
  const frame = layout && decodeFrame(data, layout);
  if (frame) store.dispatch(act.applyFrame, frame);
}

/** Every setting as a first visit has it, a new untrained network, paused, on the followed
 * example, with nothing open. */
function restore() {
  start(setup.defaults);
  store.dispatch(act.applyLesson, null);
}

/** Run this config from its start: a new network, paused, on the followed example, nothing
 * open. The config goes first: the server applies messages in order.
 * @param {import('./protocol.js').SessionConfig} next */
function start(next) {
  edit((config) => {
    for (const key of Object.keys(config)) delete config[/** @type {keyof typeof config} */ (key)];
    Object.assign(config, structuredClone(next));
  });
  for (const message of /** @type {ClientMessage[]} */ ([{ type: 'walk', action: 'stop' }, { type: 'pause' },
    { type: 'reset' }, { type: 'pick', sample: 0, position: 0 }])) send(message);
  store.dispatch(act.setFill, 'map');
  setTarget(null);
}

/** The course's lessons, read once. */
async function listLessons() {
  const lessons = store.state.lessons ?? await readLessons();
  store.dispatch(act.applyLessons, lessons);
  return lessons;
}

/** Open a lesson (or one of its variants) on this tab's session: in a room, the whole class
 * sees it. A shared link may carry its own changes of the lesson's run: then only the text opens.
 * @param {string} id @param {string | null} variant @param {boolean} [run] */
async function openLesson(id, variant, run = true) {
  const found = await readLesson(id, variant);
  if (found === null) {
    store.dispatch(act.refused, { code: 'lesson_not_found', message: '', params: {}, errors: [] });
    return;
  }
  if (run) start(found.config);
  store.dispatch(act.applyLesson, { lesson: found.lesson, variant });
}

/** The teacher's room as the server answers (opened, locked, read again), or why not; while a
 * room is open its number of followers is read again every few seconds.
 * @param {Promise<import('./server.js').RoomReply | null>} reply @param {boolean} [shown] */
async function present(reply, shown) {
  const answer = await reply;
  if (answer === null) store.dispatch(act.roomEnded);
  else if (answer.refusal) store.dispatch(act.refused, answer.refusal);
  else if (answer.room) {
    store.dispatch(act.applyRoom, answer.room);
    if (shown !== undefined) store.dispatch(act.showJoinScreen, shown);
  }
}
setInterval(() => {
  if (store.state.presenting) present(server.readRoom());
  readDashboard();
}, ROOM_POLL_MS);

/** The class dashboard read again, while it is open, in the order chosen. */
async function readDashboard() {
  const sort = store.state.dashboard?.sort;
  if (!sort) return;
  const answer = await server.readDashboard(sort);
  if (answer.refusal) store.dispatch(act.refused, answer.refusal);
  else if (answer.dashboard) store.dispatch(act.applyDashboard, sort, answer.dashboard);
}

/** A teacher's action on everyone; the dashboard shows its effect at once.
 * @param {Promise<{ refusal?: import('./protocol.js').Refusal }>} reply */
async function teacherAction(reply) {
  const answer = await reply;
  if (answer.refusal) store.dispatch(act.refused, answer.refusal);
  readDashboard();
}

/** Your own table, sent to this session; the answer is the new layout, or a refusal.
 * @param {File} file @param {string} target */
async function upload(file, target) {
  if (!store.state.sessionId) return;
  store.dispatch(act.uploadStarted, file.name);
  store.dispatch(act.uploadFinished, file.name, await server.uploadCsv(await file.text(), target));
}
