// @ts-check
/** The course's list of lessons: a dialog opened from under the title, one button a lesson
 * (its number, title and concept in the page's language). */
import { language } from '../i18n.js';
import { html, part } from './dom.js';

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
  opener.addEventListener('click', () => {
    actions.list();
    if (!dialog.open) dialog.showModal();
  });
  /** @type {unknown} */
  let shown = null;

  /** @param {import('../store.js').State} state */
  function update(state) {
    opener.hidden = !state.steering;
    if (state.lessons === shown) return;
    shown = state.lessons;
    list.replaceChildren(...(state.lessons ?? []).map((lesson) => {
      const button = html('button', 'lesson-entry');
      button.setAttribute('type', 'button');
      button.append(html('strong', undefined, localized(lesson.title)), html('span', undefined, localized(lesson.concept)));
      button.addEventListener('click', () => {
        dialog.close();
        actions.open(lesson.id);
      });
      const item = html('li');
      item.append(button);
      return item;
    }));
  }

  return { update };
}
