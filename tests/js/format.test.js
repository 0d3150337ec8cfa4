// @ts-check
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count, num, percent, superscript } from '../../static/js/format.js';

test('num prints four significant digits, powers of ten beyond them, and a dash for NaN', () => {
  assert.equal(num(0.123456), '0.1235');
  assert.equal(num(12.5), '12.5');
  assert.equal(num(0), '0');
  assert.equal(num(-5.6e-7), '-5.600×10⁻⁷');
  assert.equal(num(123456, 3), '1.23×10⁵');
  assert.equal(num(NaN), '–');
  assert.equal(num(Infinity), '–');
});

test('superscript writes exponents with superscript digits and minus', () => {
  assert.equal(superscript(12), '¹²');
  assert.equal(superscript(-3), '⁻³');
});

test('percent has one decimal, count groups digits in the given language', () => {
  assert.equal(percent(0.9876), '98.8%');
  assert.equal(percent(NaN), '–');
  assert.equal(percent(0.9876, 'zh-Hans'), '98.8%');
  assert.equal(count(1234.4, 'en'), '1,234');
  assert.equal(count(1797, 'de'), '1.797');
});
