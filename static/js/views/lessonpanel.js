// @ts-check
/** The open lesson: its title, what happens and why, where to look, how long to train, and
 * its variants (a few changes to the same run) to compare. */
import { count } from '../format.js';
import { t } from '../i18n.js';
import { html, part } from './dom.js';
import { localized } from './lessonmenu.js';

/** @param {HTMLElement} root
 * @param {{ open: (id: string, variant: string | null) => void, close: () => void }} actions */
export function createLessonPanel(root, actions) {
  const title = part(root, '#lesson-title');
  const text = part(root, '.lesson-text');
  const look = part(root, '.lesson-look');
  const variants = part(root, '.lesson-variants');
  part(root, '#lesson-close').addEventListener('click', () => actions.close());
  /** @type {unknown} */
  let shown = null;

  /** @param {string} label @param {string} id @param {string | null} variant @param {boolean} current */
  function choice(label, id, variant, current) {
    const button = html('button', current ? 'primary' : 'secondary', label);
    button.setAttribute('type', 'button');
    button.setAttribute('aria-pressed', String(current));
    button.addEventListener('click', () => actions.open(id, variant));
    return button;
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    if (state.lesson === shown) return;
    shown = state.lesson;
    root.hidden = state.lesson === null;
    if (!state.lesson) return;
    const { lesson, variant } = state.lesson;
    title.textContent = localized(lesson.title);
    text.textContent = `${localized(lesson.text)} ${t('lesson.steps', { n: count(lesson.steps) })}`;
    look.textContent = t('lesson.look', { text: localized(lesson.look_at) });
    variants.replaceChildren(...(lesson.variants.length === 0 ? [] : [
      choice(t('lesson.base'), lesson.id, null, variant === null),
      ...lesson.variants.map((v) => choice(localized(v.label), lesson.id, v.id, variant === v.id)),
    ]));
  }

  return { update };
}
