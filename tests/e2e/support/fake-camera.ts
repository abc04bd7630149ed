/**
 * A fake camera feed for Chromium (`--use-file-for-fake-video-capture`): a Y4M video whose frames show one
 * QR code, drawn from the QR matrix, black on white, centred in a 640x480 frame.
 */
import { writeFileSync } from 'node:fs';
import { encode } from 'uqr';

const WIDTH = 640;
const HEIGHT = 480;

export function writeQrVideo(text: string, path: string, frames = 4): void {
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  const scale = Math.floor((HEIGHT - 40) / size);
  const left = Math.floor((WIDTH - size * scale) / 2);
  const top = Math.floor((HEIGHT - size * scale) / 2);
  const luma = new Uint8Array(WIDTH * HEIGHT).fill(235);
  for (let y = 0; y < size * scale; y++) {
    for (let x = 0; x < size * scale; x++) {
      if (data[Math.floor(y / scale)]![Math.floor(x / scale)]) luma[(top + y) * WIDTH + left + x] = 16;
    }
  }
  const chroma = new Uint8Array((WIDTH / 2) * (HEIGHT / 2)).fill(128);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F5:1 Ip A1:1 C420\n`);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
