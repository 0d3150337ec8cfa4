// @ts-check
/** Small DOM helpers the views share. A view finds its elements inside its own root only. */

/**
 * The element a view needs inside its root; a missing one is a broken page, said at once.
 * @template {HTMLElement} [E=HTMLElement]
 * @param {ParentNode} root @param {string} selector @returns {E}
 */
export function part(root, selector) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return /** @type {E} */ (found);
}

/** @param {string} tag @param {string} [className] @param {string} [content] */
export function html(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content !== undefined) el.textContent = content;
  return el;
}

/** @param {HTMLSelectElement} select @param {[string, string][]} options value, label */
export function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

/** Show a value that is not among the offered ones (a REST-made config) rather than a blank.
 * @param {HTMLSelectElement} select @param {string} value @param {string} label */
export function ensureOption(select, value, label) {
  if (![...select.options].some((o) => o.value === value)) select.add(new Option(label, value));
  select.value = value;
}

/** Enable or disable every one of these controls.
 * @param {Iterable<Element>} controls @param {boolean} enabled */
export function enable(controls, enabled) {
  for (const control of controls) /** @type {HTMLInputElement} */ (control).disabled = !enabled;
}

/** Whether any of these values changed since the last call with the same memo.
 * @param {unknown[]} memo the previous values, updated in place @param {unknown[]} values */
export function changed(memo, values) {
  const different = values.length !== memo.length || values.some((v, i) => v !== memo[i]);
  memo.splice(0, memo.length, ...values);
  return different;
}

/** An input's range (bounds.js inputRange); a missing end is left as it is.
 * @param {HTMLInputElement} input @param {{ min?: number, max?: number }} range */
export function setRange(input, range) {
  if (range.min !== undefined) input.min = String(range.min);
  if (range.max !== undefined) input.max = String(range.max);
}

/** Brings an element that just showed the result of a click into the window, if it is not
 * wholly there already: a result below the fold looks to the learner as if nothing happened.
 * @param {Element} element @param {ScrollLogicalPosition} [block] 'start' for the head of a
 * longer text, which is read from there */
export function reveal(element, block = 'nearest') {
  const box = element.getBoundingClientRect();
  if (box.top >= 0 && box.bottom <= window.innerHeight) return;
  element.scrollIntoView({ block });
}

/** A button that may be at a limit: while online it stays focusable and hoverable (a disabled
 * button shows no title), marked aria-disabled, its name and title saying which limit.
 * @param {HTMLButtonElement} button @param {boolean} live @param {boolean} allowed
 * @param {string} label @param {string} limit what stops it */
export function limited(button, live, allowed, label, limit) {
  button.disabled = !live;
  button.setAttribute('aria-disabled', String(!allowed));
  const text = allowed ? label : limit;
  button.title = text;
  button.setAttribute('aria-label', text);
}

/** Whether a button set by `limited` may act. @param {Element} button */
export function allowed(button) {
  return button.getAttribute('aria-disabled') !== 'true';
}
