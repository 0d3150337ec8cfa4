// @ts-check
/** The page as a whole: which result view is up (body data-view, for styles and for tests that
 * wait for a new kind of problem), whose page it is (body data-role: a follower's offers no
 * controls), Space to play or pause as in video players, and the presenter's keys: R reset,
 * F presenter mode (body class "presenter": the page laid out for a projector; full screen is
 * asked for as well, but the layout never depends on the browser granting it; F again or Esc
 * leaves it), C the join code, 1–9 the first nine lessons. */

/**
 * @param {HTMLElement} root the body
 * @param {{ togglePlay: () => void, reset: () => void, toggleJoinCode: () => void,
 *   lesson: (n: number) => void, present: (on: boolean) => void }} actions
 */
export function createPage(root, actions) {
  /** The state last drawn: whether presenter mode is on, whether the inspector is open. */
  let presenting = false;
  let inspecting = false;

  /** Presenter mode on or off; full screen follows where the browser allows it. @param {boolean} on */
  function present(on) {
    presenting = on;
    actions.present(on);
    if (on && !document.fullscreenElement) root.requestFullscreen?.().catch(() => {});
    if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
  }
  // Esc in full screen is the browser's own: it leaves full screen, and presenter mode with it.
  document.addEventListener('fullscreenchange', () => {
    if (!document.fullscreenElement && presenting) actions.present(false);
  });

  /** The presenter's keys, as a clicker or a keyboard at the lectern sends them. */
  const keys = /** @type {Record<string, () => void>} */ ({
    r: actions.reset,
    f: () => present(!presenting),
    c: actions.toggleJoinCode,
  });
  window.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && presenting && !inspecting && !document.querySelector('dialog[open]')) {
      // Esc closes the inspector or a dialog first (their own keys), then presenter mode.
      event.preventDefault();
      present(false);
    } else if (event.code === 'Space' && !target.closest(presenting ? 'dialog, #network' : 'button')) {
      // In presenter mode Space is the clicker's play and pause even on a focused button (the
      // join screen's badge keeps the focus when it closes); Enter still presses buttons.
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
    presenting = state.presenter;
    inspecting = state.target !== null;
    root.classList.toggle('presenter', presenting);
  }

  return { update };
}
