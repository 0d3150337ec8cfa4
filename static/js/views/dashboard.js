// @ts-check
/** The class dashboard, the teacher's own view (a dialog apart from the join screen, so that
 * students' names reach the projector only when the teacher opens it): a card per student's
 * own copy (name, status, step, loss, accuracy, a small boundary), sorted as chosen, filtered
 * by status (each choice with its count) and by a piece of a name, with "Pause everyone" and
 * "Everyone back to following". Names are the students' text: set as textContent, never as
 * markup, and searched as plain text. */
import { filterCards, STATUS_CHOICES, statusCounts } from '../cards.js';
import { MAP_LUT } from '../colors.js';
import { count, num, percent } from '../format.js';
import { t } from '../i18n.js';
import { changed, html, part } from './dom.js';

const STATUS = { training: 'dashboard.status.training', paused: 'dashboard.status.paused',
  diverged: 'dashboard.status.diverged' };

/** @typedef {import('../server.js').ForkCard} ForkCard */
/** @typedef {import('../server.js').SortKey} SortKey */

/**
 * @param {HTMLDialogElement} dialog @param {HTMLElement} button "Class dashboard" on the join screen
 * @param {{ open: () => void, close: () => void, sort: (key: SortKey) => void, pause: () => void,
 *   recall: () => void, project: (session: string | null) => void,
 *   filter: (change: Partial<import('../cards.js').CardFilter>) => void }} actions
 */
export function createDashboard(dialog, button, actions) {
  const sort = /** @type {HTMLSelectElement} */ (part(dialog, '#dashboard-sort'));
  const cards = part(dialog, '#dashboard-cards');
  const empty = part(dialog, '#dashboard-empty');
  const noMatch = part(dialog, '#dashboard-nomatch');
  const statuses = part(dialog, '#dashboard-status');
  const search = /** @type {HTMLInputElement} */ (part(dialog, '#dashboard-search'));
  const choices = STATUS_CHOICES.map((status) => ({ status,
    input: /** @type {HTMLInputElement} */ (part(statuses, `input[value="${status}"]`)),
    label: part(statuses, `[data-choice="${status}"]`) }));
  button.addEventListener('click', () => actions.open());
  sort.addEventListener('change', () => actions.sort(/** @type {SortKey} */ (sort.value)));
  for (const { status, input } of choices) input.addEventListener('change', () => actions.filter({ status }));
  search.addEventListener('input', () => actions.filter({ name: search.value }));
  part(dialog, '#dashboard-pause').addEventListener('click', () => actions.pause());
  part(dialog, '#dashboard-recall').addEventListener('click', () => actions.recall());
  part(dialog, '#dashboard-close').addEventListener('click', () => actions.close());
  const unproject = part(dialog, '#dashboard-unproject');
  unproject.addEventListener('click', () => actions.project(null));
  dialog.addEventListener('close', () => actions.close());
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').State} state */
  function update(state) {
    const board = state.dashboard;
    const projected = state.presenting?.projected ?? null;
    const filter = state.cardFilter;
    if (!changed(shown, [board, projected, filter])) return;
    unproject.hidden = projected === null;
    if (!board) {
      if (dialog.open) dialog.close();
      return;
    }
    sort.value = board.sort;
    const counts = statusCounts(board.forks);
    for (const { status, input, label } of choices) {
      input.checked = filter.status === status;
      label.textContent = t(`dashboard.filter.${status}`, { n: count(counts[status]) });
    }
    if (search.value !== filter.name) search.value = filter.name;
    const passing = filterCards(board.forks, filter);
    empty.hidden = board.forks.length > 0;
    noMatch.hidden = board.forks.length === 0 || passing.length > 0;
    cards.replaceChildren(...passing.map((fork) => card(fork, board.thumbnailSize, projected, actions.project)));
    if (!dialog.open) dialog.showModal();
  }

  return { update };
}

/** One student's run, with "Show the class" (every follower watches it) and a link that opens
 * it large in a tab of its own (watching, not steering).
 * @param {ForkCard} fork @param {number} size cells per side @param {string | null} projected
 * @param {(session: string | null) => void} project */
function card(fork, size, projected, project) {
  const item = html('li', 'dash-card');
  item.dataset.status = fork.status;
  const canvas = /** @type {HTMLCanvasElement} */ (html('canvas'));
  canvas.width = canvas.height = size;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', t('dashboard.thumbnail', { name: fork.name }));
  if (fork.thumbnail) paint(canvas, fork.thumbnail, size);
  const numbers = [t('dashboard.step', { n: count(fork.step) }),
    t('dashboard.loss', { value: num(fork.train_loss ?? NaN, 3) })];
  if (fork.test_accuracy !== null) numbers.push(t('dashboard.accuracy', { value: percent(fork.test_accuracy) }));
  const showing = fork.session_id === projected;
  item.classList.toggle('projected', showing);
  const show = /** @type {HTMLButtonElement} */ (html('button', showing ? 'primary' : 'secondary',
    t(showing ? 'dashboard.projected' : 'dashboard.project')));
  show.type = 'button';
  show.disabled = showing;
  show.addEventListener('click', () => project(fork.session_id));
  const large = /** @type {HTMLAnchorElement} */ (html('a', 'dash-open', t('dashboard.openLarge')));
  large.href = `/?session=${encodeURIComponent(fork.session_id)}`;
  large.target = '_blank';
  large.rel = 'noopener';
  item.append(canvas, html('h3', 'dash-name', fork.name),
    html('p', 'dash-status', t(STATUS[fork.status])), html('p', 'dash-numbers', numbers.join(' · ')), show, large);
  return item;
}

/** The boundary's cells (base64, one byte each, row by row from the top) through the page's
 * boundary palette. @param {HTMLCanvasElement} canvas @param {string} cells @param {number} size */
function paint(canvas, cells, size) {
  const bytes = Uint8Array.from(atob(cells), (c) => c.charCodeAt(0));
  const context = canvas.getContext('2d');
  if (!context || bytes.length !== size * size) return;
  const image = context.createImageData(size, size);
  bytes.forEach((v, i) => image.data.set(MAP_LUT.subarray(v * 4, v * 4 + 4), i * 4));
  context.putImageData(image, 0, 0);
}
