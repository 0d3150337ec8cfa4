// @ts-check
/** The confusion matrix on the test split: one row per true class, one column per predicted
 * class. Each cell is shaded by its share of its row, so a class with few examples reads as
 * clearly as a large one: blue on the diagonal (right), orange off it (mistakes). The table is
 * built once per dataset; frames (up to 30 a second) only change text and colours. */
import { css } from '../colors.js';
import { count, percent } from '../format.js';
import { t } from '../i18n.js';

const SHADE_MOST = 0.7;

// Above this shading strength the count is printed white, so that it stays legible.

/** @param {string} tag @param {string} [className] @param {string} [content] */
function html(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content !== undefined) el.textContent = content;
  return el;
}

/** @param {HTMLElement} root */
export function createConfusionView(root) {
  /** @type {string[]} */
  let names = [];
  /** @type {HTMLTableCellElement[]} row-major, like the counts */
  let cells = [];
  /** @type {number[]} the counts shown, row-major, so that an unchanged cell is left alone */
  let values = [];
  /** @type {number[]} each row's total as shown: when it changes, the whole row is reshaded */
  let totals = [];
  const accuracy = html('span', 'confusion-accuracy');

  /** A header cell; long class names are cut short on screen and given whole in the tooltip. */
  function header(/** @type {string} */ name, /** @type {'col' | 'row'} */ scope) {
    const cell = /** @type {HTMLTableCellElement} */ (html('th', `confusion-name ${scope}`, name));
    cell.scope = scope;
    cell.title = name;
    return cell;
  }

  /** Fixed widths for the axis and name columns; the count columns share the rest equally. */
  function columns() {
    const group = html('colgroup');
    group.append(html('col', 'confusion-axis-col'), html('col', 'confusion-name-col'),
      ...names.map(() => html('col')));
    return group;
  }

  /** Column heads: the axis name over all columns, then one class name per column. */
  function head() {
    const thead = html('thead');
    const axisRow = html('tr');
    const axis = /** @type {HTMLTableCellElement} */ (html('th', 'confusion-axis predicted', t('results.confusion.predicted')));
    axis.colSpan = names.length;
    axis.scope = 'colgroup';
    const corner = /** @type {HTMLTableCellElement} */ (html('td', 'confusion-corner'));
    corner.colSpan = 2;
    corner.rowSpan = 2;
    axisRow.append(corner, axis);
    const nameRow = html('tr');
    nameRow.append(...names.map((name) => header(name, 'col')));
    thead.append(axisRow, nameRow);
    return thead;
  }

  /** Body rows: the vertical "true" axis name, then per row its class name and k count cells. */
  function body() {
    const tbody = html('tbody');
    names.forEach((name, row) => {
      const tr = html('tr');
      if (row === 0) {
        const axis = /** @type {HTMLTableCellElement} */ (html('th', 'confusion-axis true'));
        axis.append(html('span', '', t('results.confusion.true')));
        axis.rowSpan = names.length;
        axis.scope = 'rowgroup';
        tr.append(axis);
      }
      tr.append(header(name, 'row'));
      names.forEach((_, column) => {
        const cell = /** @type {HTMLTableCellElement} */ (html('td', column === row ? 'hit' : 'miss', '0'));
        cells.push(cell);
        tr.append(cell);
      });
      tbody.append(tr);
    });
    return tbody;
  }

  /** @param {string[]} classNames */
  function reset(classNames) {
    names = classNames;
    cells = [];
    values = [];
    totals = [];
    const long = names.some((name) => name.length > 3);
    const table = html('table', `confusion size-${Math.min(names.length, 10)}${long ? ' long-names' : ''}`);
    const caption = html('caption');
    caption.append(html('span', 'confusion-title', t('results.confusion.title')), ' ', accuracy);
    table.append(caption, columns(), head(), body());
    table.addEventListener('mouseover', describe);
    accuracy.textContent = '';
    root.replaceChildren(table);
  }

  /** Shade and label one cell; the strength is the square root of the row share, so that a
   * few mistakes among many right answers still show. */
  function paint(/** @type {number} */ index, /** @type {number} */ value, /** @type {number} */ rowTotal) {
    const cell = cells[index];
    const diagonal = Math.floor(index / names.length) === index % names.length;
    const strength = Math.sqrt(rowTotal > 0 ? value / rowTotal : 0);
    cell.textContent = String(Math.round(value));
    cell.classList.toggle('zero', value === 0);
    // Shades no deeper than SHADE_MOST keep the ink figures at WCAG AA contrast (4.5:1).
    const shade = SHADE_MOST * strength;
    cell.style.backgroundColor = value === 0 ? '' : css(diagonal ? shade : -shade);
  }

  /** The tooltip is written when the pointer reaches a cell, not on every frame: it needs the
   * catalogue and number formatting, which would cost more than the whole repaint. */
  function describe(/** @type {Event} */ event) {
    const index = cells.indexOf(/** @type {HTMLTableCellElement} */ (event.target));
    if (index < 0) return;
    const k = names.length;
    const row = Math.floor(index / k);
    const value = values[index] ?? 0;
    const rowTotal = values.slice(row * k, row * k + k).reduce((a, b) => a + b, 0);
    cells[index].title = t('results.confusion.cell', {
      actual: names[row], predicted: names[index % k], n: count(value),
      share: percent(rowTotal > 0 ? value / rowTotal : NaN),
    });
  }

  /** @param {ArrayLike<number>} counts k×k, row = true class, column = predicted class */
  function update(counts) {
    const k = names.length;
    if (k === 0 || counts.length < k * k) return;
    let right = 0;
    let total = 0;
    for (let row = 0; row < k; row += 1) {
      let rowTotal = 0;
      for (let column = 0; column < k; column += 1) rowTotal += counts[row * k + column];
      const rowChanged = rowTotal !== totals[row];
      totals[row] = rowTotal;
      total += rowTotal;
      right += counts[row * k + row];
      for (let index = row * k; index < row * k + k; index += 1) {
        if (rowChanged || counts[index] !== values[index]) paint(index, counts[index], rowTotal);
        values[index] = counts[index];
      }
    }
    const summary = total > 0
      ? t('results.confusion.accuracy', { accuracy: percent(right / total), right: count(right), total: count(total) })
      : '';
    if (accuracy.textContent !== summary) accuracy.textContent = summary;
  }

  return { reset, update };
}
