// @ts-check
/** What the server put in the page: limits, choices and the message catalogue. */

/**
 * @typedef {{ limits: Record<string, number>, choices: Record<string, string[]>,
 *             messages: Record<string, string>,
 *             previews: Record<string, import('./protocol.js').Points>, extent: number }} Boot
 */

/** @type {Boot} */
export const boot = JSON.parse(document.getElementById('boot')?.textContent ?? '{}');
