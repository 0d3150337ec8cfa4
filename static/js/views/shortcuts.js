// @ts-check
/** The list of keyboard shortcuts: a modal dialog opened by "?" (anywhere but a text field) or
 * the header's ? button; Escape or its button closes it and focus goes back where it was. */

/** @param {HTMLDialogElement} dialog @param {HTMLElement} opener */
export function createShortcuts(dialog, opener) {
  const open = () => { if (!dialog.open) dialog.showModal(); };
  opener.addEventListener('click', open);
  window.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.key !== '?' || target.closest('input, select, textarea')) return;
    event.preventDefault();
    open();
  });
  return { update() {} };
}
