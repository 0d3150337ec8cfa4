// @ts-check
/** The course's list of lessons: a dialog opened from under the title, one button a lesson
 * (its number, title and concept in the page's language). While this page presents a room,
 * each lesson offers the choice, labelled: for the whole room (on the presented session, so
 * every follower sees it), or in a private session of the teacher's own, in a new tab (the
 * room keeps showing what it shows). */
import { language, t } from '../i18n.js';
import { spaced } from './present.js';
import { changed, html, part } from './dom.js';

/** Where a lesson opens in a session of its own: a new page without the room.
 * @param {string} id @param {string} [lang] */
export function ownLessonAddress(id, lang = language) {
  return `/?lesson=${encodeURIComponent(id)}&lang=${encodeURIComponent(lang)}`;
}

/** A lesson's text in the page's language (English where a language lacks it).
 * @param {Partial<Record<string, string>>} text */
export function localized(text) {
  return text[language] ?? text.en ?? '';
}

/**
 * @param {HTMLDialogElement} dialog @param {HTMLElement} opener
 * @param {{ list: () => void, open: (id: string) => void }} actions
 */
export function createLessonMenu(dialog, opener, actions) {
  const list = part(dialog, '.lesson-list');
  const roomNote = part(dialog, '#lesson-room-note');
  opener.addEventListener('click', () => {
    actions.list();
    if (!dialog.open) dialog.showModal();
  });
  /** @type {unknown[]} */
  const shown = [];

  /** @param {import('../store.js').LessonEntry} lesson */
  function forThisSession(lesson) {
    const button = html('button', 'lesson-entry');
    button.setAttribute('type', 'button');
    button.append(html('strong', undefined, localized(lesson.title)), html('span', undefined, localized(lesson.concept)));
    button.addEventListener('click', () => {
      dialog.close();
      actions.open(lesson.id);
    });
    return button;
  }

  /** A lesson while presenting: its title and concept, and the two places it may open.
   * @param {import('../store.js').LessonEntry} lesson */
  function withChoice(lesson) {
    const title = localized(lesson.title);
    const entry = html('div', 'lesson-entry lesson-choice');
    const room = html('button', 'primary', t('lesson.forRoom'));
    room.setAttribute('type', 'button');
    // Each name begins with its visible words, the lesson's title after them.
    room.setAttribute('aria-label', t('lesson.choiceLabel', { action: t('lesson.forRoom'), title }));
    room.addEventListener('click', () => {
      dialog.close();
      actions.open(lesson.id);
    });
    const own = /** @type {HTMLAnchorElement} */ (html('a', 'lesson-own', t('lesson.ownTab')));
    own.href = ownLessonAddress(lesson.id);
    own.target = '_blank';
    own.rel = 'noopener';
    own.setAttribute('aria-label', t('lesson.choiceLabel', { action: t('lesson.ownTab'), title }));
    own.addEventListener('click', () => dialog.close());
    const where = html('div', 'lesson-where');
    where.append(room, own);
    entry.append(html('strong', undefined, title), html('span', undefined, localized(lesson.concept)), where);
    return entry;
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    opener.hidden = !state.steering;
    const code = state.presenting?.code ?? null;
    if (!changed(shown, [state.lessons, code])) return;
    roomNote.hidden = code === null;
    roomNote.textContent = code === null ? '' : t('lesson.roomNote', { code: spaced(code) });
    list.replaceChildren(...(state.lessons ?? []).map((lesson) => {
      const item = html('li');
      item.append(code === null ? forThisSession(lesson) : withChoice(lesson));
      return item;
    }));
  }

  return { update };
}
