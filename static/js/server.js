// @ts-check
/** The only module that talks to the server: one WebSocket (resumed after a drop, on the same
 * session) and the CSV upload. It remembers the session in the tab, so a reload carries on. */

const RETRY_MS = [250, 500, 1000, 2000, 5000];
const SESSION_KEY = 'backprop-playground-session';
// The steering token of this tab's session, kept with its id ({session, token} as JSON). It
// stays in the tab: the page shows only the id, which watches but cannot steer.
const TOKEN_KEY = 'backprop-playground-token';

/** @typedef {import('./protocol.js').ServerMessage} ServerMessage */
/** @typedef {import('./protocol.js').ClientMessage} ClientMessage */
/** @typedef {import('./protocol.js').Refusal} Refusal */

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

/** @param {string} session @param {string} token */
function keepToken(session, token) {
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ session, token }));
}

/** The steering token this tab holds for a session, or null. @param {string | null} session */
function tokenFor(session) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null');
    return kept && kept.session === session && typeof kept.token === 'string' ? kept.token : null;
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

/**
 * Connect, and reconnect to the same session if the connection drops.
 * @param {string | null} sessionId a session to attach to, or null for a new one
 * @param {Handlers} handlers
 */
export function connect(sessionId, handlers) {
  let current = sessionId;
  let attempt = 0;
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
      remember(current);
      if (message.token) keepToken(current, message.token);
    }
    handlers.onMessage(message);
  }

  function open() {
    const url = new URL('/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (current) url.searchParams.set('session', current);
    const token = tokenFor(current);
    if (token) url.searchParams.set('token', token);
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', receive);
    socket.addEventListener('close', () => {
      handlers.onClose();
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
  };
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
