// @ts-check
/** The page's only mutable state. Reducers are pure functions from a state (and a message or
 * an edit) to the next state; createStore holds the current one, applies reducers and tells
 * subscribers. Views read the state they are given; they change it only through these. */
import { NO_FILTER } from './cards.js';

/** @typedef {import('./protocol.js').Layout} Layout */
/** @typedef {import('./protocol.js').Frame} Frame */
/** @typedef {import('./protocol.js').SessionConfig} SessionConfig */
/** @typedef {import('./protocol.js').Target} Target */
/** @typedef {import('./protocol.js').HistoryRow} HistoryRow */
/** @typedef {import('./protocol.js').HelloMessage} HelloMessage */
/** @typedef {import('./protocol.js').StatusMessage} StatusMessage */
/** @typedef {import('./protocol.js').HistoryMessage} HistoryMessage */
/** @typedef {import('./protocol.js').InspectionMessage} InspectionMessage */
/** @typedef {import('./protocol.js').GradCheckReply} GradCheckReply */
/** @typedef {import('./protocol.js').Refusal} Refusal */
/** @typedef {import('./protocol.js').ClientMessage} ClientMessage */
/** @typedef {'connecting' | 'running' | 'paused' | 'diverged' | 'disconnected'} Status */
/** @typedef {'map' | 'activation' | 'delta'} Fill */
/** @typedef {Pick<import('./wire.js').Lesson, 'id' | 'title' | 'concept'>} LessonEntry */
/** @typedef {{ code: string, join_url: string, followers: number, forks: number,
 *   joining_locked: boolean, forking_allowed: boolean, projected: string | null, shown: boolean }} Presenting a room as its
 *   teacher sees it; shown: the join screen is up */
/** @typedef {{ sort: import('./server.js').SortKey, forks: import('./server.js').ForkCard[],
 *   thumbnailSize: number }} ClassDashboard the teacher's dashboard while it is open */
/**
 * @typedef {{ phase: 'idle' } | { phase: 'sending', name: string }
 *   | { phase: 'failed', refusal: Refusal } | { phase: 'sent', name: string }
 *   | { phase: 'done', name: string, inputs: number, target: string }} Upload
 * @typedef {{ serial: number, key: string, refusal: Refusal }} Notice a refusal for the banner,
 *   which the banner says in the page's language
 */
/**
 * @typedef {{
 *   requested: string | null, sessionId: string | null, status: Status, wasRunning: boolean,
 *   confirmed: SessionConfig | null, config: SessionConfig | null,
 *   pending: { ref: number, config: SessionConfig } | null, nextRef: number,
 *   stepsPerSecond: number | null, layout: Layout | null, frame: Frame | null,
 *   history: HistoryRow[], inspection: InspectionMessage | null,
 *   gradcheck: GradCheckReply | 'running' | null, notice: Notice | null, upload: Upload,
 *   uploaded: boolean, fill: Fill, showTest: boolean, target: Target | null,
 *   room: string | null, forkedFrom: string | null, steering: boolean, presenting: Presenting | null,
 *   teacherTarget: Target | null,
 *   lessons: LessonEntry[] | null, lesson: { lesson: import('./wire.js').Lesson, variant: string | null } | null,
 *   dashboard: ClassDashboard | null, cardFilter: import('./cards.js').CardFilter, presenter: boolean,
 * }} State
 * lessons: the course's list once read; lesson: the lesson open now, with its variant;
 * teacherTarget: in a room, what the teacher's inspector shows.
 * room: the room this tab follows (its code), null in a tab of its own; forkedFrom: the room
 * this tab's session was copied from, if it is a student's own copy; steering: whether this
 * tab's socket steers its session (a follower's only watches); presenting: the room this tab's
 * session is presented in, as the teacher sees it; dashboard: the class dashboard, while open.
 * cardFilter: which of the dashboard's cards show (kept while the dashboard is closed);
 * presenter: the page is laid out for a projector (key F): the diagram and the boundary side by
 * side filling the screen, in large type; full screen is asked for too, but the layout does not
 * depend on the browser granting it.
 * confirmed: the config as the server last confirmed it; config: what the controls show, the
 * confirmed one or an edit on its way (pending, with the ref the server echoes when applied).
 */

/** @param {string | null} requested the session this tab asks for
 * @param {string | null} [room] the room this tab follows
 * @param {string | null} [forkedFrom] the room this tab's session was copied from @returns {State} */
export function initialState(requested, room = null, forkedFrom = null) {
  return {
    room, forkedFrom, steering: false, presenting: null, teacherTarget: null, lessons: null, lesson: null,
    dashboard: null, cardFilter: NO_FILTER, presenter: false,
    requested, sessionId: null, status: 'connecting', wasRunning: false,
    confirmed: null, config: null, pending: null, nextRef: 1, stepsPerSecond: 100,
    layout: null, frame: null, history: [], inspection: null, gradcheck: null, notice: null,
    upload: { phase: 'idle' }, uploaded: false, fill: 'map', showTest: false, target: null,
  };
}

/** Connected, told which session, and steering it: only then do controls mean anything (a
 * follower's page shows the teacher's network and offers none). @param {State} state */
export function online(state) {
  return state.steering && state.config !== null && ['running', 'paused', 'diverged'].includes(state.status);
}

/** Whether a hello names another session than the one this page had: the server lost it
 * (restarted, or idle too long). @param {State} state @param {HelloMessage} message */
function lost(state, message) {
  // A follower's room may show another run now: that session is not this tab's to replace.
  return state.room === null && state.confirmed !== null && message.session_id !== state.sessionId;
}

/** A session we asked for carries on as it was. A replacement for a lost one gets the old setup
 * (sent again as a new edit). @param {State} state @param {HelloMessage} message @returns {State} */
export function applyHello(state, message) {
  const next = { ...state, sessionId: message.session_id, steering: message.token !== null };
  if (lost(state, message) && state.confirmed) return withEdit(next, state.confirmed);
  return { ...next, confirmed: message.config, config: message.config, pending: null };
}

/** What to tell the server after a hello: the replacement of a lost session that was training
 * trains again (a new one waits, paused, for the learner to look at it first); the inspector's
 * target is told again.
 * @param {State} state before the hello @param {HelloMessage} message @returns {ClientMessage[]} */
export function helloCommands(state, message) {
  /** @type {ClientMessage[]} */
  const commands = [];
  if (lost(state, message) && state.wasRunning) commands.push({ type: 'play' });
  if (state.target) commands.push({ type: 'inspect', target: state.target });
  return commands;
}

/** @param {State} state @param {SessionConfig} config @returns {State} */
function withEdit(state, config) {
  const pending = { ref: state.nextRef, config };
  return { ...state, config, pending, nextRef: state.nextRef + 1 };
}

/**
 * An edit of the config: shown at once, sent with a new ref, confirmed or rolled back later.
 * @param {State} state @param {(config: SessionConfig) => void} change edits the copy it is given
 * @returns {State}
 */
export function editConfig(state, change) {
  if (!online(state) || state.config === null) return state;
  const config = structuredClone(state.config);
  change(config);
  return withEdit(state, config);
}

/** The server's status; it names the last edit of this connection it applied (ref), so an edit
 * on its way stays shown until then. The config shown is then the server's (it may have
 * adjusted it: the batch size to the training set). @param {State} state
 * @param {StatusMessage} message @returns {State} */
export function applyStatus(state, message) {
  const next = followTarget({ ...state, status: message.status, stepsPerSecond: message.steps_per_second,
    confirmed: message.config }, message.shown_target ?? null);
  const applied = message.ref !== null && state.pending !== null && message.ref >= state.pending.ref;
  if (state.pending !== null && !applied) return next;
  return { ...next, config: message.config, pending: null };
}

/** A follower's inspector opens (and closes) with the teacher's; between two changes of the
 * teacher's, the student may look at another neuron. @param {State} state @param {Target | null} shown
 * @returns {State} */
function followTarget(state, shown) {
  if (!state.room || JSON.stringify(shown) === JSON.stringify(state.teacherTarget)) return state;
  return { ...state, teacherTarget: shown, target: shown, inspection: shown ? state.inspection : null };
}

/** Presenter mode on or off. @param {State} state @param {boolean} presenter @returns {State} */
export function setPresenter(state, presenter) {
  return state.presenter === presenter ? state : { ...state, presenter };
}

/** The server refused something (a config, most often): say why, show what it runs instead.
 * @param {State} state @param {import('./protocol.js').ErrorMessage} message @returns {State} */
export function applyError(state, message) {
  return { ...notify(state, 'error.refused', refusalOf(message)), config: state.confirmed,
    pending: null };
}

/** @param {State} state @param {string} key @param {Refusal} refusal @returns {State} */
function notify(state, key, refusal) {
  return { ...state, notice: { serial: (state.notice?.serial ?? 0) + 1, key, refusal } };
}

/** The refusal of an error message, without its type. @param {Refusal} message @returns {Refusal} */
function refusalOf({ code, message, params, errors }) {
  return { code, message, params, errors };
}

/** A target that still exists in a new layout stays inspected (a reset, new data).
 * @param {Target} target @param {number[]} sizes */
function stillThere(target, sizes) {
  return target.layer < sizes.length && target.index < sizes[target.layer]
    && (target.kind === 'neuron' || target.source < sizes[target.layer - 1]);
}

/** @param {State} state @param {Layout} layout @returns {State} */
export function applyLayout(state, layout) {
  const target = state.target && stillThere(state.target, layout.sizes) ? state.target : null;
  const upload = state.upload.phase === 'sent' && layout.input_kind === 'table'
    ? described(state.upload.name, layout) : state.upload;
  return { ...state, layout, frame: null, gradcheck: null, target, upload,
    inspection: target ? state.inspection : null };
}

/** @param {string} name @param {Layout} layout @returns {Upload} */
function described(name, layout) {
  return { phase: 'done', name, inputs: layout.feature_names.length, target: layout.target_name };
}

/** A decoded frame; the output map and the neuron maps come at lower rates than numbers, so
 * one without them keeps the latest. @param {State} state @param {Frame} frame @returns {State} */
export function applyFrame(state, frame) {
  const grid = frame.grid ?? state.frame?.grid ?? null;
  const maps = frame.maps ?? state.frame?.maps ?? null;
  return { ...state, frame: { ...frame, grid, maps } };
}

/** The loss history the server records: rows that replace the page's, or follow them.
 * @param {State} state @param {HistoryMessage} message @returns {State} */
export function applyHistory(state, message) {
  const rows = message.append ? [...state.history, ...message.rows] : message.rows;
  return { ...state, history: rows };
}

/** @param {State} state @param {InspectionMessage} message @returns {State} */
export function applyInspection(state, message) {
  return state.target === null ? state : { ...state, inspection: message };
}

/** @param {State} state @param {GradCheckReply} message @returns {State} */
export function applyGradCheck(state, message) {
  return { ...state, gradcheck: message };
}

/** @param {State} state @returns {State} */
export function startGradCheck(state) {
  return { ...state, gradcheck: 'running' };
}

/** The connection dropped; remember whether training was on, so a replacement resumes it.
 * @param {State} state @returns {State} */
export function disconnected(state) {
  const wasRunning = state.status === 'disconnected' ? state.wasRunning : state.status === 'running';
  return { ...state, status: 'disconnected', wasRunning };
}

/** @param {State} state @param {Fill} fill @returns {State} */
export function setFill(state, fill) {
  return { ...state, fill };
}

/** @param {State} state @param {boolean} showTest @returns {State} */
export function setShowTest(state, showTest) {
  return { ...state, showTest };
}

/** What the inspector shows (null closes it). @param {State} state @param {Target | null} target
 * @returns {State} */
export function setTarget(state, target) {
  return { ...state, target, inspection: target === null ? null : state.inspection };
}

/** @param {State} state @param {string} name the file's name @returns {State} */
export function uploadStarted(state, name) {
  return { ...state, upload: { phase: 'sending', name } };
}

/** The server took the table (its layout may already be here) or refused it.
 * @param {State} state @param {string} name @param {Refusal | null} refusal @returns {State} */
export function uploadFinished(state, name, refusal) {
  if (refusal !== null) {
    return { ...notify(state, 'upload.failed', refusalOf(refusal)), upload: { phase: 'failed', refusal: refusalOf(refusal) } };
  }
  const upload = state.layout?.input_kind === 'table' ? described(name, state.layout)
    : /** @type {Upload} */ ({ phase: 'sent', name });
  return { ...state, uploaded: true, upload };
}

/** The teacher's room, as the server last described it; the join screen comes up when the
 * room opens. @param {State} state @param {Omit<Presenting, 'shown'>} room @returns {State} */
export function applyRoom(state, room) {
  const { code, join_url, followers, forks, joining_locked, forking_allowed, projected } = room;
  return { ...state, presenting: { code, join_url, followers, forks, joining_locked, forking_allowed, projected,
    shown: state.presenting?.shown ?? true } };
}

/** @param {State} state @param {boolean} shown @returns {State} */
export function showJoinScreen(state, shown) {
  return state.presenting ? { ...state, presenting: { ...state.presenting, shown } } : state;
}

/** The room ended (the teacher ended it). @param {State} state @returns {State} */
export function roomEnded(state) {
  return { ...state, presenting: null, dashboard: null };
}

/** The teacher opens the class dashboard: the join screen steps aside, so that students'
 * names are on screen only while the teacher chose to show them. @param {State} state @returns {State} */
export function openDashboard(state) {
  if (!state.presenting) return state;
  return { ...state, presenting: { ...state.presenting, shown: false },
    dashboard: state.dashboard ?? { sort: 'name', forks: [], thumbnailSize: 0 } };
}

/** @param {State} state @returns {State} */
export function closeDashboard(state) {
  return state.dashboard ? { ...state, dashboard: null } : state;
}

/** @param {State} state @param {import('./server.js').SortKey} sort @returns {State} */
export function sortDashboard(state, sort) {
  return state.dashboard ? { ...state, dashboard: { ...state.dashboard, sort } } : state;
}

/** Show the dashboard's cards of one status, or whose name holds a piece of text.
 * @param {State} state @param {Partial<import('./cards.js').CardFilter>} change @returns {State} */
export function filterDashboard(state, change) {
  return { ...state, cardFilter: { ...state.cardFilter, ...change } };
}

/** The dashboard as the server last answered, if it is still open and sorted the way asked.
 * @param {State} state @param {import('./server.js').SortKey} sort
 * @param {import('./server.js').Dashboard} board @returns {State} */
export function applyDashboard(state, sort, board) {
  if (!state.dashboard || state.dashboard.sort !== sort) return state;
  return { ...state, dashboard: { sort, forks: board.forks, thumbnailSize: board.thumbnail_size } };
}

/** A room refused (ended, locked, full) or another refusal outside a reply to this tab's own
 * message: said in the banner. @param {State} state @param {Refusal} refusal @returns {State} */
export function refused(state, refusal) {
  return notify(state, 'error.refused', refusalOf(refusal));
}

/** @param {State} state @param {LessonEntry[]} lessons @returns {State} */
export function applyLessons(state, lessons) {
  return { ...state, lessons };
}

/** The lesson now open (null closes its panel).
 * @param {State} state @param {State['lesson']} lesson @returns {State} */
export function applyLesson(state, lesson) {
  return { ...state, lesson };
}

/**
 * @template {unknown[]} A
 * @typedef {(state: State, ...args: A) => State} Reducer
 */
/** @typedef {(state: State, previous: State) => void} Listener */

/** Holds the current state; dispatch applies a reducer and tells every subscriber.
 * @param {State} initial */
export function createStore(initial) {
  let state = initial;
  /** @type {Set<Listener>} */
  const listeners = new Set();
  return {
    get state() { return state; },
    /** @template {unknown[]} A @param {Reducer<A>} reducer @param {A} args */
    dispatch(reducer, ...args) {
      const previous = state;
      state = reducer(state, ...args);
      if (state !== previous) for (const listener of listeners) listener(state, previous);
    },
    /** @param {Listener} listener */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
