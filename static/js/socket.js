// @ts-check
/** The only module that talks to the server: one WebSocket, resumed after a drop. */

const RETRY_MS = [250, 500, 1000, 2000, 5000];

/**
 * @typedef {{ onMessage: (message: any) => void, onFrame: (data: ArrayBuffer) => void,
 *             onClose: () => void }} Handlers
 */

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

  function open() {
    const url = new URL('/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (current) url.searchParams.set('session', current);
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') {
        const message = JSON.parse(event.data);
        if (message.type === 'hello') {
          current = message.session_id;
          attempt = 0;
        }
        handlers.onMessage(message);
      } else {
        handlers.onFrame(event.data);
      }
    });
    socket.addEventListener('close', () => {
      handlers.onClose();
      setTimeout(open, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      attempt += 1;
    });
  }

  open();
  return {
    /** @param {object} message */
    send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
  };
}
