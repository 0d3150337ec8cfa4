// @ts-check
/** The page as a whole: which result view is up (body data-view, for styles and for tests that
 * wait for a new kind of problem), whose page it is (body data-role: a follower's offers no
 * controls), Space to play or pause as in video players, and the presenter's keys: R reset,
 * F full screen (with large type), C the join code, 1–9 the first nine lessons. */

/**
 * @param {HTMLElement} root the body
 * @param {{ togglePlay: () => void, reset: () => void, toggleJoinCode: () => void,
 *   lesson: (n: number) => void }} actions
 */
export function createPage(root, actions) {
  /** The presenter's keys, as a clicker or a keyboard at the lectern sends them. */
  const keys = /** @type {Record<string, () => void>} */ ({
    r: actions.reset,
    f: () => (document.fullscreenElement ? document.exitFullscreen() : root.requestFullscreen()),
    c: actions.toggleJoinCode,
  });
  window.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.code === 'Space' && !target.closest('button')) {
      event.preventDefault();
      actions.togglePlay();
    } else if (/^[1-9]$/.test(event.key) && !document.querySelector('dialog[open]') && !target.closest('#network')) {
      event.preventDefault();
      actions.lesson(Number(event.key));
    } else if (keys[event.key.toLowerCase()] && !document.querySelector('dialog[open]:not(#present)')) {
      event.preventDefault();
      keys[event.key.toLowerCase()]();
    }
  });

  /** @param {import('../store.js').State} state */
  function update(state) {
    const view = state.layout?.view;
    if (view && root.dataset.view !== view) root.dataset.view = view;
    // A student following a room watches the teacher's session: no controls it would refuse.
    const role = state.room ? 'follower' : 'own';
    if (root.dataset.role !== role) root.dataset.role = role;
  }

  return { update };
}
