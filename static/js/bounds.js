// @ts-check
/** Each setting's range as the server gives it (the setup's bounds, by config path: minimum,
 * maximum, their exclusive forms, default), for the page's sliders and number fields. */

/**
 * An input's min and max; an exclusive bound stands for itself (the browser cannot say
 * "above 0"; the server refuses the bound itself and says why).
 * @param {import('./boot.js').PageSetup} setup
 * @param {string} path a config path, e.g. "training.momentum"
 * @param {number} [scale] what the input shows per unit of the setting (100 for a percentage)
 * @returns {{ min?: number, max?: number }}
 */
export function inputRange(setup, path, scale = 1) {
  const bound = setup.bounds[path] ?? {};
  const low = bound.minimum ?? bound.exclusive_minimum;
  const high = bound.maximum ?? bound.exclusive_maximum;
  /** @type {{ min?: number, max?: number }} */
  const range = {};
  if (typeof low === 'number') range.min = low * scale;
  if (typeof high === 'number') range.max = high * scale;
  return range;
}
