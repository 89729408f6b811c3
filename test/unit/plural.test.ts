import { describe, expect, it } from 'vitest';
import { plural } from '../../src-shared/plural.js';

describe('Russian plurals (one helper for the window, the tray and the print forms)', () => {
  const word = (n: number) => plural(n, 'заказ', 'заказа', 'заказов');
  it.each([
    [0, 'заказов'], [1, 'заказ'], [2, 'заказа'], [4, 'заказа'], [5, 'заказов'], [11, 'заказов'], [12, 'заказов'],
    [14, 'заказов'], [21, 'заказ'], [22, 'заказа'], [25, 'заказов'], [101, 'заказ'], [111, 'заказов'], [112, 'заказов'], [1001, 'заказ'],
  ])('%i → %s', (n, expected) => {
    expect(word(n)).toBe(expected);
  });
});
