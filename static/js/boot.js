// @ts-check
/** What the server put in the page: limits, choices and the message catalogue. */

/**
 * @typedef {{ limits: Record<string, number>, choices: Record<string, string[]>,
 *             messages: Record<string, string> }} Boot
 */

/** @type {Boot} */
export const boot = JSON.parse(document.getElementById('boot')?.textContent ?? '{}');
