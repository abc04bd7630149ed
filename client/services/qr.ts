/**
 * QR codes drawn as one SVG path (no inline styles, no data: URLs, so the strict CSP holds), and the text
 * form of a safety number's scannable code.
 */
import { encode } from 'uqr';
import { fromHex, toHex } from '../../crypto/bytes.ts';

export interface QrPicture {
  /** Modules per side, quiet zone included: the SVG viewBox is `0 0 size size`. */
  readonly size: number;
  /** Dark modules as horizontal runs: `M x y h n v 1 h -n z` per run. */
  readonly path: string;
}

/** ECC level M survives a screen photographed at an angle; the quiet zone of 4 is what the standard asks. */
export function qrPicture(text: string, border = 4): QrPicture {
  const { data, size } = encode(text, { ecc: 'M', border });
  let path = '';
  data.forEach((row, y) => {
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let run = 1;
      while (x + run < size && row[x + run]) run++;
      path += `M${x} ${y}h${run}v1h-${run}z`;
      x += run - 1;
    }
  });
  return { size, path };
}

/**
 * A safety number's scannable bytes as QR text: prefix and upper-case hex, all in the QR alphanumeric set,
 * so the code stays small and survives decoders that mangle binary QR payloads.
 */
export const SAFETY_QR_PREFIX = 'TINCAN-SN1:';

export const safetyNumberQrText = (scannable: Uint8Array): string =>
  SAFETY_QR_PREFIX + toHex(scannable).toUpperCase();

/** The scannable bytes from scanned text, or undefined when the text is not a safety-number code. */
export function scannableFromQrText(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith(SAFETY_QR_PREFIX)) return undefined;
  const hex = trimmed.slice(SAFETY_QR_PREFIX.length);
  if (!/^[0-9A-F]+$/.test(hex) || hex.length % 2 !== 0 || hex.length > 512) return undefined;
  return fromHex(hex);
}
