// @ts-check
/** A press on a weight: a click selects it; a vertical drag (while paused) changes it, one unit
 * per 40 pixels. */

// Pixels of vertical drag that change a weight by 1; smaller moves are a click.
const DRAG_PIXELS_PER_UNIT = 40;
const DRAG_THRESHOLD = 4;

/** @typedef {import('../protocol.js').Target & { kind: 'weight' }} WeightTarget */
/** @typedef {{ layer: number, param: 'W', index: number, source: number, value: number }} WeightEdit */

/**
 * @param {{ weightOf: (target: WeightTarget) => number | null, canEdit: () => boolean,
 *           onEdit: (edit: WeightEdit) => void, onSelect: (target: WeightTarget) => void }} actions
 */
export function createWeightDrag(actions) {
  /** @type {{ target: WeightTarget, y: number, w: number, moved: boolean } | null} */
  let drag = null;

  /** @param {Element} hit @param {WeightTarget} target */
  function attach(hit, target) {
    hit.addEventListener('pointerdown', (e) => {
      const event = /** @type {PointerEvent} */ (e);
      const w = actions.weightOf(target);
      if (w === null) return;
      drag = { target, y: event.clientY, w, moved: false };
      hit.setPointerCapture(event.pointerId);
    });
    hit.addEventListener('pointermove', (e) => {
      const dy = drag ? drag.y - /** @type {PointerEvent} */ (e).clientY : 0;
      if (!drag || drag.target !== target || (!drag.moved && Math.abs(dy) < DRAG_THRESHOLD)) return;
      if (!actions.canEdit()) return;
      drag.moved = true;
      const value = Math.round((drag.w + dy / DRAG_PIXELS_PER_UNIT) * 1000) / 1000;
      actions.onEdit({ layer: target.layer, param: 'W', index: target.index, source: target.source, value });
    });
    hit.addEventListener('pointerup', () => {
      if (drag && !drag.moved) actions.onSelect(target);
      drag = null;
    });
    hit.addEventListener('pointercancel', () => { drag = null; });
    hit.addEventListener('keydown', (e) => {
      if (/** @type {KeyboardEvent} */ (e).key === 'Enter') actions.onSelect(target);
    });
  }

  return { attach };
}
