// @ts-check
/** The only module that talks to the server: one WebSocket (resumed after a drop, on the same
 * session or room), the CSV upload and the teacher's room. It remembers the session in the
 * tab, so a reload carries on. */

const RETRY_MS = [250, 500, 1000, 2000, 5000];
const SESSION_KEY = 'backprop-playground-session';
// The steering token of this tab's session, kept with its id ({session, token} as JSON). It
// stays in the tab: the page shows only the id, which watches but cannot steer.
const TOKEN_KEY = 'backprop-playground-token';
// The room this tab's session is presented in, with its teacher token ({session, code, token}).
const ROOM_KEY = 'backprop-playground-room';
// The room a student's own copy was made from ({session, code}), for the way back to it.
const CLASS_KEY = 'backprop-playground-class';
// Refusals of a room that another try would only repeat: the page stops and says why.
const FINAL = new Set(['room_not_found', 'room_locked', 'room_full']);

/** @typedef {import('./protocol.js').ServerMessage} ServerMessage */
/** @typedef {import('./protocol.js').ClientMessage} ClientMessage */
/** @typedef {import('./protocol.js').Refusal} Refusal */
/** @typedef {{ code: string, join_url: string, followers: number, forks: number,
 *   joining_locked: boolean, forking_allowed: boolean, projected: string | null }} Room
 * @typedef {{ room?: Room, refusal?: Refusal }} RoomReply */
/** @typedef {'loss' | 'accuracy' | 'name' | 'step'} SortKey
 * @typedef {{ session_id: string, name: string, status: 'training' | 'paused' | 'diverged',
 *   step: number, train_loss: number | null, train_accuracy: number | null,
 *   test_accuracy: number | null, thumbnail: string | null }} ForkCard a student's own copy on
 *   the class dashboard (thumbnail: thumbnail_size² bytes of the plane, base64)
 * @typedef {{ code: string, thumbnail_size: number, forks: ForkCard[] }} Dashboard
 * @typedef {{ dashboard?: Dashboard, refusal?: Refusal }} DashboardReply */

/**
 * @typedef {{ onMessage: (message: ServerMessage) => void, onFrame: (data: ArrayBuffer) => void,
 *             onClose: () => void }} Handlers
 */

/** The session this tab asks for: the one in the address (?session=), else its last one. A
 * ?token= beside it (a REST-made session to steer here) is kept in the tab and taken out of the
 * address, where it could be seen. */
export function requestedSession() {
  const url = new URL(window.location.href);
  const session = url.searchParams.get('session');
  const token = url.searchParams.get('token');
  if (session && token) {
    keepToken(session, token);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  return session ?? sessionStorage.getItem(SESSION_KEY);
}

/** The room this tab's session was copied from (a student's own copy), or null.
 * @param {string | null} session */
export function forkedFrom(session) {
  const code = keptFor(CLASS_KEY, session)?.code;
  return typeof code === 'string' ? code : null;
}

/** A student's own copy of the room's network: a session of the student's, its token kept in
 * the tab, and the page loads again on it. Resolves to the refusal if there is one.
 * @param {string} code @returns {Promise<Refusal | null>} */
export async function forkRoom(code) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(code)}/fork`, { method: 'POST' });
  if (!response.ok) return refusal(response);
  const own = await response.json();
  keepToken(own.id, own.token);
  sessionStorage.setItem(CLASS_KEY, JSON.stringify({ session: own.id, code, name: own.name }));
  sessionStorage.setItem(SESSION_KEY, own.id);
  window.location.assign(`/?session=${encodeURIComponent(own.id)}`);
  return null;
}

/** A saved model file continued in a new session of this tab, which loads again on it.
 * Resolves to the server's refusal (the field and why) if the file is not one it takes.
 * @param {string} text the file @returns {Promise<Refusal | null>} */
export async function openModel(text) {
  const response = await fetch('/api/sessions/import', { method: 'POST', body: text,
    headers: { 'content-type': 'application/json' } });
  if (!response.ok) return refusal(response);
  const own = await response.json();
  keepToken(own.id, own.token);
  sessionStorage.setItem(SESSION_KEY, own.id);
  window.location.assign(`/?session=${encodeURIComponent(own.id)}`);
  return null;
}

/** The lessons, in the course's order (title and concept of each).
 * @returns {Promise<Pick<import('./wire.js').Lesson, 'id' | 'title' | 'concept'>[]>} */
export async function readLessons() {
  const response = await fetch('/api/lessons');
  return response.ok ? response.json() : [];
}

/** One whole lesson, and the exact config of it or of one of its variants, as the server
 * resolves them; null if there is no such lesson (an old link).
 * @param {string} id @param {string | null} variant
 * @returns {Promise<{ lesson: import('./wire.js').Lesson, config: import('./wire.js').SessionConfig } | null>} */
export async function readLesson(id, variant) {
  const query = variant ? `?variant=${encodeURIComponent(variant)}` : '';
  const [lesson, config] = await Promise.all([fetch(`/api/lessons/${encodeURIComponent(id)}`),
    fetch(`/api/lessons/${encodeURIComponent(id)}/config${query}`)]);
  if (!lesson.ok || !config.ok) return null;
  return { lesson: await lesson.json(), config: await config.json() };
}

/** The lesson this tab was opened on (?lesson=ID and maybe &variant=ID), or null. */
export function requestedLesson() {
  const url = new URL(window.location.href);
  const id = url.searchParams.get('lesson');
  return id ? { id, variant: url.searchParams.get('variant') } : null;
}

/** The teacher sent everyone back to following: this page follows the room again.
 * @param {string} code */
export function backToClass(code) {
  window.location.assign(`/?room=${encodeURIComponent(code)}`);
}

/** The name a student's own copy has on the class dashboard, as this tab last knew it.
 * @param {string | null} session */
export function ownName(session) {
  const name = keptFor(CLASS_KEY, session)?.name;
  return typeof name === 'string' ? name : '';
}

/** Rename a student's own copy (its steering token); the name the server keeps, or why not.
 * @param {string | null} session @param {string} name
 * @returns {Promise<{ name?: string, refusal?: Refusal }>} */
export async function renameOwn(session, name) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' };
  const token = tokenFor(session);
  if (token) headers['x-session-token'] = token;
  const response = await fetch(`/api/sessions/${session}/name`, {
    method: 'PATCH', headers, body: JSON.stringify({ name }) });
  if (!response.ok) return { refusal: await refusal(response) };
  const named = await response.json();
  const kept = JSON.parse(sessionStorage.getItem(CLASS_KEY) ?? 'null');
  if (kept && kept.session === session) sessionStorage.setItem(CLASS_KEY, JSON.stringify({ ...kept, name: named.name }));
  return { name: named.name };
}

/** The room this tab follows (?room=CODE in its address), or null. */
export function requestedRoom() {
  return new URL(window.location.href).searchParams.get('room');
}

/** @param {string} session @param {string} token */
function keepToken(session, token) {
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ session, token }));
}

/** The steering token this tab holds for a session, or null. @param {string | null} session */
function tokenFor(session) {
  const token = keptFor(TOKEN_KEY, session)?.token;
  return typeof token === 'string' ? token : null;
}

/** What the tab keeps under ``key`` for this session ({session, ...} as JSON), or null: kept
 * for another session, never kept, or not readable. @param {string} key @param {string | null} session
 * @returns {Record<string, unknown> | null} */
function keptFor(key, session) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(key) ?? 'null');
    return kept && kept.session === session ? kept : null;
  } catch {
    return null;
  }
}

/** The server named this tab's session: keep it for a reload, and drop a stale ?session=. */
function remember(/** @type {string} */ sessionId) {
  sessionStorage.setItem(SESSION_KEY, sessionId);
  const url = new URL(window.location.href);
  if (url.searchParams.has('session') && url.searchParams.get('session') !== sessionId) {
    url.searchParams.delete('session');
    window.history.replaceState(null, '', url);
  }
}

/** The teacher token this tab holds for its session's room. @param {string | null} session
 * @returns {{ code: string, token: string } | null} */
function roomFor(session) {
  const kept = keptFor(ROOM_KEY, session);
  return kept ? { code: String(kept.code), token: String(kept.token) } : null;
}

/**
 * Connect, and reconnect to the same session (or room) if the connection drops.
 * @param {string | null} sessionId a session to attach to, or null for a new one
 * @param {Handlers} handlers
 * @param {string | null} [room] a room to follow instead, by its code
 */
export function connect(sessionId, handlers, room = null) {
  let current = sessionId;
  let attempt = 0;
  let stopped = false;
  /** @type {WebSocket} */
  let socket;

  /** @param {MessageEvent} event */
  function receive(event) {
    if (typeof event.data !== 'string') {
      handlers.onFrame(event.data);
      return;
    }
    const message = /** @type {ServerMessage} */ (JSON.parse(event.data));
    if (message.type === 'hello') {
      current = message.session_id;
      attempt = 0;
      // A follower's session is the teacher's: a reload follows the room again, not it.
      if (!room) remember(current);
      if (message.token) keepToken(current, message.token);
    }
    if (message.type === 'error' && FINAL.has(message.code)) stopped = true;
    handlers.onMessage(message);
  }

  function open() {
    const url = new URL('/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (room) url.searchParams.set('room', room);
    else if (current) url.searchParams.set('session', current);
    const token = room ? null : tokenFor(current);
    if (token) url.searchParams.set('token', token);
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', receive);
    socket.addEventListener('close', () => {
      handlers.onClose();
      if (stopped) return;
      setTimeout(open, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      attempt += 1;
    });
  }

  open();
  return {
    /** @param {ClientMessage} message */
    send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    /**
     * Your own table for this session (PUT /api/sessions/{id}/csv); the new layout comes over
     * the socket. Resolves to null, or to the server's refusal.
     * @param {string} text the CSV file
     * @param {string} target the target column's name or number, or '' for the last one
     * @returns {Promise<Refusal | null>}
     */
    async uploadCsv(text, target) {
      const query = target ? `?target=${encodeURIComponent(target)}` : '';
      /** @type {Record<string, string>} */
      const headers = { 'content-type': 'text/csv' };
      const token = tokenFor(current);
      if (token) headers['x-session-token'] = token;
      const response = await fetch(`/api/sessions/${current}/csv${query}`, {
        method: 'PUT', headers, body: text });
      return response.ok ? null : refusal(response);
    },
    /** Present this tab's session to a class (opening it again answers the same room); the
     * teacher token stays in the tab. @returns {Promise<RoomReply>} */
    async openRoom() {
      /** @type {Record<string, string>} */
      const headers = {};
      const token = tokenFor(current);
      if (token) headers['x-session-token'] = token;
      const response = await fetch(`/api/sessions/${current}/room`, { method: 'POST', headers });
      if (!response.ok) return { refusal: await refusal(response) };
      const room = await response.json();
      sessionStorage.setItem(ROOM_KEY, JSON.stringify({ session: current, code: room.code, token: room.teacher_token }));
      return { room };
    },
    /** The room this tab presents, as it is now (followers); null if it has ended.
     * @returns {Promise<RoomReply | null>} */
    async readRoom() {
      const kept = roomFor(current);
      if (!kept) return null;
      const response = await fetch(`/api/rooms/${kept.code}`);
      if (response.status === 404) return null;
      return response.ok ? { room: await response.json() } : { refusal: await refusal(response) };
    },
    /** Lock or reopen joining, allow or lock own copies (teacher token).
     * @param {{ joining_locked?: boolean, forking_allowed?: boolean }} change @returns {Promise<RoomReply>} */
    async updateRoom(change) {
      return teacherCall('PATCH', JSON.stringify(change));
    },
    /** End the room (teacher token): every follower's page is told. @returns {Promise<RoomReply>} */
    async endRoom() {
      const reply = await teacherCall('DELETE');
      sessionStorage.removeItem(ROOM_KEY);
      return reply;
    },
    /** The class dashboard (teacher token): every student's own copy, sorted.
     * @param {SortKey} sort @returns {Promise<DashboardReply>} */
    async readDashboard(sort) {
      const answer = await teacherFetch('GET', `/dashboard?sort=${sort}`);
      if (answer instanceof Response) return { dashboard: await answer.json() };
      return answer;
    },
    /** Pause the teacher's session and every own copy (teacher token).
     * @returns {Promise<{ refusal?: Refusal }>} */
    async pauseEveryone() {
      const answer = await teacherFetch('POST', '/pause');
      return answer instanceof Response ? {} : answer;
    },
    /** Send every own copy's page back to following (teacher token).
     * @returns {Promise<{ refusal?: Refusal }>} */
    async recallEveryone() {
      const answer = await teacherFetch('POST', '/recall');
      return answer instanceof Response ? {} : answer;
    },
    /** "Look at this one": the room's followers watch this own copy (null: the teacher's
     * network again). @param {string | null} session @returns {Promise<RoomReply>} */
    async projectRun(session) {
      const answer = await teacherFetch('POST', '/project', JSON.stringify({ session_id: session }));
      return answer instanceof Response ? { room: await answer.json() } : answer;
    },
  };

  /** @param {string} method @param {string} [body] @returns {Promise<RoomReply>} */
  async function teacherCall(method, body) {
    const answer = await teacherFetch(method, '', body);
    if (!(answer instanceof Response)) return answer;
    return answer.status === 204 ? {} : { room: await answer.json() };
  }

  /** A teacher action on this tab's room: the answer, or why not.
   * @param {string} method @param {string} path after the room's address @param {string} [body]
   * @returns {Promise<Response | { refusal: Refusal }>} */
  async function teacherFetch(method, path, body) {
    const kept = roomFor(current);
    if (!kept) return { refusal: { code: 'room_not_found', message: '', params: {}, errors: [] } };
    const response = await fetch(`/api/rooms/${kept.code}${path}`, { method, body,
      headers: { authorization: `Bearer ${kept.token}`, 'content-type': 'application/json' } });
    return response.ok ? response : { refusal: await refusal(response) };
  }
}

/** A REST refusal: its body is the same {code, message, errors} as the socket's errors; an
 * answer that is not one (a proxy's error page) is said in HTTP's words. @param {Response} response
 * @returns {Promise<Refusal>} */
async function refusal(response) {
  try {
    return await response.json();
  } catch {
    return { code: 'http', message: `${response.status} ${response.statusText}`, params: {}, errors: [] };
  }
}
