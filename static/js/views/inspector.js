// @ts-check
/** The inspector: the equations of the neuron or weight clicked (equations.js), for the example
 * the server names, and a field to type a new weight or bias while paused. */
import { num } from '../format.js';
import { t, tn } from '../i18n.js';
import { shownStage } from '../shown.js';
import { changed, html, reveal } from './dom.js';
import { neuronEquations, weightEquations } from './equations.js';

/** @typedef {import('../protocol.js').InspectionMessage} InspectionMessage */
/** @typedef {{ layer: number, param: 'W' | 'b', index: number, source?: number, value: number }} Edit */

/**
 * @param {HTMLElement} root
 * @param {{ close: () => void, edit: (edit: Edit) => void }} actions
 */
export function createInspector(root, actions) {
  const title = html('h3');
  const context = html('p', 'hint');
  const body = html('div', 'inspector-body');
  const close = html('button', 'mini close', '×');
  close.setAttribute('type', 'button');
  close.setAttribute('aria-label', t('inspect.close'));
  close.title = t('inspect.close');
  close.addEventListener('click', () => actions.close());
  // Escape closes the inspector from anywhere but an open dialog (which Escape closes instead).
  window.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || root.hidden || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    actions.close();
  });
  const head = html('div', 'inspector-head');
  head.append(title, close);
  root.replaceChildren(head, context, body);
  /** @type {HTMLInputElement | null} */
  let editor = null;
  /** What is shown, so that an unchanged inspection is not typeset again. */
  let shown = '';
  /** @type {unknown[]} */
  const seen = [];

  /** The weight or bias typed in by hand; refused by the server while training runs.
   * @param {any} detail @param {HTMLInputElement | null} typing @param {boolean} allowed */
  function editRow(detail, typing, allowed) {
    const row = html('form', 'edit-row');
    const label = html('label', undefined, t('inspect.editLabel', { name: detail.kind === 'neuron' ? 'b' : 'w' }));
    const input = typing ?? /** @type {HTMLInputElement} */ (html('input'));
    input.type = 'number';
    input.step = 'any';
    input.id = 'inspector-value';
    if (!typing) input.value = String(detail.kind === 'neuron' ? detail.forward.bias : detail.weight);
    label.setAttribute('for', input.id);
    const apply = html('button', 'secondary', t('inspect.apply'));
    apply.setAttribute('type', 'submit');
    input.disabled = !allowed;
    apply.toggleAttribute('disabled', !allowed);
    row.append(label, input, apply, html('small', 'note', t('inspect.editHint')));
    row.addEventListener('submit', (event) => {
      event.preventDefault();
      const number = Number(input.value);
      if (input.value === '' || !Number.isFinite(number)) return;
      input.blur();
      actions.edit(detail.kind === 'neuron'
        ? { layer: detail.layer, param: 'b', index: detail.index, value: number }
        : { layer: detail.layer, param: 'W', index: detail.index, source: detail.source, value: number });
    });
    editor = input;
    return row;
  }

  /** The numbers of the equations as a table, for reading (and screen readers) apart from them.
   * @param {any} detail */
  function numbers(detail) {
    /** @type {[string, number | null | undefined][]} */
    const rows = detail.kind === 'neuron'
      ? [['z', detail.forward.z], ['a', detail.forward.a], ['b', detail.forward.bias],
        ['δ', detail.backward?.delta], ['∂C/∂b', detail.backward?.delta]]
      : [['w', detail.weight], ['a_in', detail.a_in], ['δ', detail.delta], ['∂C/∂w', detail.gradient],
        [t('inspect.batchMean'), detail.batch_gradient], [t('inspect.after'), detail.weight_after]];
    const table = html('table', 'numbers');
    const caption = html('caption', '', t('inspect.numbers'));
    const head = html('tr');
    head.append(html('th', '', t('inspect.quantity')), html('th', '', t('inspect.value')));
    head.querySelectorAll('th').forEach((th) => th.setAttribute('scope', 'col'));
    table.append(caption, head);
    for (const [name, value] of rows) {
      const row = html('tr');
      const th = html('th', '', name);
      th.setAttribute('scope', 'row');
      row.append(th, html('td', '', num(value ?? NaN, 6).replace('-', '−')));
      table.append(row);
    }
    return table;
  }

  /** @param {InspectionMessage} message @param {import('../shown.js').Shown} stage @param {number} depth
   * @param {boolean} paused @param {string[]} classes */
  function show(message, stage, depth, paused, classes) {
    const detail = message.detail;
    const i = message.indices[message.example];
    context.textContent = message.sample === null
      ? tn('inspect.onBatch', message.indices.length, { i, k: message.example + 1, m: message.indices.length })
      : t('inspect.onSample', { i });
    // Typing in the editor must survive the next frame's redraw.
    const typing = editor !== null && document.activeElement === editor ? editor : null;
    const [heading, sections] = detail.kind === 'neuron'
      ? neuronEquations(detail, message.loss_name, stage, depth, classes)
      : weightEquations(detail, stage);
    title.textContent = heading;
    body.replaceChildren(...sections, numbers(detail), editRow(detail, typing, paused));
    const opening = root.hidden;
    root.hidden = false;
    if (typing) typing.focus();
    if (opening) reveal(root, 'start');
  }

  /** @param {import('../store.js').State} state */
  function update(state) {
    const { inspection, layout, target } = state;
    if (target === null) {
      if (shown !== '') {
        shown = '';
        root.hidden = true;
        body.replaceChildren();
        editor = null;
      }
      return;
    }
    const stage = state.frame?.stage ?? null;
    if (!changed(seen, [inspection, stage, state.status]) || !inspection || !layout) return;
    const key = JSON.stringify([inspection, stage, state.status]);
    if (key === shown) return;
    shown = key;
    // Output neuron k stands for a class only where there is one output per class.
    const outputs = layout.sizes[layout.sizes.length - 1];
    const classes = outputs > 1 && layout.class_names.length === outputs ? layout.class_names : [];
    show(inspection, shownStage(layout, stage), layout.sizes.length - 1, state.status === 'paused', classes);
  }

  return { update };
}
