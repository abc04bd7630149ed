import jsQR from 'jsqr';
import { describe, expect, test } from 'vitest';
import {
  qrPicture,
  SAFETY_QR_PREFIX,
  safetyNumberQrText,
  scannableFromQrText,
} from '../../client/services/qr.ts';
import { encodeContactCode } from '../../crypto/contact-code.ts';
import { safetyNumber } from '../../crypto/safety-number.ts';
import { testIdentity } from '../support/identities.ts';

/** Rasterizes the SVG path (runs of `M x y h n v 1 h -n z`) and reads it back with the scanner's decoder. */
function decodePicture(picture: { size: number; path: string }, scale = 4): string | undefined {
  const side = picture.size * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const [, x, y, run] of picture.path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < Number(run) * scale; dx++) {
        const offset = ((Number(y) * scale + dy) * side + Number(x) * scale + dx) * 4;
        pixels.fill(0, offset, offset + 3);
      }
    }
  }
  return jsQR(pixels, side, side)?.data;
}

describe('QR codes', () => {
  test('a contact link drawn as a QR path decodes back to the same text', async () => {
    const { publicKey } = await testIdentity('qr');
    const link = `https://tincan.example/#add=${encodeContactCode({ publicKey, displayName: 'Zoë' })}`;
    expect(decodePicture(qrPicture(link))).toBe(link);
  });

  test('the path has a quiet zone: no module within 4 of the edge', () => {
    const picture = qrPicture('TC1AAAA');
    for (const [, x, y] of picture.path.matchAll(/M(\d+) (\d+)/g)) {
      expect(Number(x)).toBeGreaterThanOrEqual(4);
      expect(Number(y)).toBeGreaterThanOrEqual(4);
      expect(Number(y)).toBeLessThan(picture.size - 4);
    }
  });

  test('safety-number QR text: alphanumeric, round-trips, decodes from the drawn code', async () => {
    const [a, b] = await Promise.all([testIdentity('a'), testIdentity('b')]);
    const { scannable } = safetyNumber(a.publicKey, b.publicKey);
    const text = safetyNumberQrText(scannable);
    expect(text).toMatch(/^[0-9A-Z:-]+$/);
    expect(scannableFromQrText(text)).toEqual(scannable);
    expect(decodePicture(qrPicture(text))).toBe(text);
  });

  test('text that is not a safety-number code is recognised as such', () => {
    for (const text of [
      '',
      'TC1ABC',
      `${SAFETY_QR_PREFIX}XYZ`,
      `${SAFETY_QR_PREFIX}ABC`,
      `${SAFETY_QR_PREFIX}${'AB'.repeat(300)}`,
    ]) {
      expect(scannableFromQrText(text)).toBeUndefined();
    }
  });
});
