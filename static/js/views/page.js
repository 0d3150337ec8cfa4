// @ts-check
/** The page as a whole: which result view is up (body data-view, for styles and for tests that
 * wait for a new kind of problem), whose page it is (body data-role: a follower's offers no
 * controls), and Space to play or pause, as in video players. */

/**
 * @param {HTMLElement} root the body
 * @param {{ togglePlay: () => void }} actions
 */
export function createPage(root, actions) {
  window.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.code !== 'Space' || target.closest('input, select, button, textarea')) return;
    event.preventDefault();
    actions.togglePlay();
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
