// @ts-check
/** Which of the class dashboard's cards show: a choice of status (all, or one of training,
 * paused, diverged) and a piece of a name, matched as plain text whatever its case (full-width
 * Latin letters as the half-width ones, so a Chinese keyboard's "Ａｄａ" finds "Ada"). Pure
 * functions, for the dashboard view and its tests. */

/** @typedef {import('./server.js').ForkCard} ForkCard */
/** @typedef {'all' | ForkCard['status']} StatusChoice */
/** @typedef {{ status: StatusChoice, name: string }} CardFilter */

/** Every choice of status, in the order offered. @type {StatusChoice[]} */
export const STATUS_CHOICES = ['all', 'training', 'paused', 'diverged'];

/** @type {CardFilter} */
export const NO_FILTER = { status: 'all', name: '' };

/** A name or a query as compared: NFKC (full-width letters and digits as ASCII), lower case,
 * spaces at the ends and runs of them inside as one. @param {string} text */
export function folded(text) {
  return text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** The cards that pass, in their order. @param {ForkCard[]} cards @param {CardFilter} filter */
export function filterCards(cards, filter) {
  const query = folded(filter.name);
  return cards.filter((card) => (filter.status === 'all' || card.status === filter.status)
    && folded(card.name).includes(query));
}

/** How many cards each choice of status would show (the name not counted).
 * @param {ForkCard[]} cards @returns {Record<StatusChoice, number>} */
export function statusCounts(cards) {
  const counts = { all: cards.length, training: 0, paused: 0, diverged: 0 };
  for (const card of cards) counts[card.status] += 1;
  return counts;
}
