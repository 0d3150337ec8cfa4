// @ts-check
/** Non-text contrast (WCAG 2.1 AA, 1.4.11): the colours that carry meaning as graphics — the
 * sign of a weight's line, a neuron's full-scale fill, the focus ring — stand 3:1 against the
 * panels and the page they are drawn on, in the light theme and the dark one. (axe-core checks
 * the text; it does not check graphics.) */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { diverging } from '../../static/js/colors.js';

const CSS = readFileSync(new URL('../../static/css/app.css', import.meta.url), 'utf8');

/** The custom properties set in a block of the stylesheet. @param {string} block */
function properties(block) {
  return Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));
}

const LIGHT = properties(CSS.slice(CSS.indexOf(':root {'), CSS.indexOf('}', CSS.indexOf(':root {'))));
const darkStart = CSS.indexOf(':root {', CSS.indexOf('@media (prefers-color-scheme: dark)'));
const DARK = { ...LIGHT, ...properties(CSS.slice(darkStart, CSS.indexOf('}', darkStart))) };

/** @param {string} hex @returns {number[]} */
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Relative luminance. @param {number[]} colour */
function luminance(colour) {
  const [r, g, b] = colour.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** @param {number[]} a @param {number[]} b */
function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

for (const [theme, vars] of /** @type {[string, Record<string, string>][]} */ ([['light', LIGHT], ['dark', DARK]])) {
  test(`graphics stand 3:1 against the ${theme} theme's panels and page`, () => {
    assert.ok(vars.panel && vars.page && vars.focus, 'the theme defines its colours');
    const graphics = { negative: diverging(-1), positive: diverging(1), focus: rgb(vars.focus) };
    for (const [name, colour] of Object.entries(graphics)) {
      for (const ground of ['panel', 'page']) {
        const ratio = contrast(colour, rgb(vars[ground]));
        assert.ok(ratio >= 3, `${name} on ${ground}: ${ratio.toFixed(2)}:1`);
      }
    }
  });
}

test('the two signs stay apart from each other and from zero', () => {
  assert.ok(contrast(diverging(-1), diverging(0)) >= 2, 'negative from zero');
  assert.ok(contrast(diverging(1), diverging(0)) >= 3, 'positive from zero');
});
