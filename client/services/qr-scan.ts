/**
 * QR decoding for the scanner: the browser's BarcodeDetector where it exists and knows QR codes, otherwise
 * jsQR, fetched with a dynamic import the first time a scanner opens (it is about half the size of the rest
 * of the app, and most sessions never scan).
 */

export type QrSource = HTMLVideoElement | HTMLCanvasElement | ImageBitmap;
export type QrDecode = (source: QrSource) => Promise<string | undefined>;

export interface QrDecoder {
  readonly engine: 'barcode-detector' | 'jsqr';
  readonly decode: QrDecode;
}

interface BarcodeDetectorLike {
  detect(source: QrSource): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorConstructor {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** Frames are scaled down to this many pixels on the long side before jsQR reads them. */
const MAX_DECODE_SIDE = 1024;

let loading: Promise<QrDecoder> | undefined;

export function loadQrDecoder(scope: object = globalThis): Promise<QrDecoder> {
  loading ??= pickDecoder(scope).catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function pickDecoder(scope: object): Promise<QrDecoder> {
  const Detector = (scope as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
  const formats: string[] = Detector ? await Detector.getSupportedFormats().catch(() => []) : [];
  if (Detector && formats.includes('qr_code')) {
    const detector = new Detector({ formats: ['qr_code'] });
    return {
      engine: 'barcode-detector',
      decode: async (source) => (await detector.detect(source))[0]?.rawValue,
    };
  }
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no-canvas');
  return {
    engine: 'jsqr',
    decode: async (source) => {
      const [width, height] = sourceSize(source);
      if (width === 0 || height === 0) return undefined;
      const scale = Math.min(1, MAX_DECODE_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      return (
        jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data || undefined
      );
    },
  };
}

function sourceSize(source: QrSource): [number, number] {
  if ('videoWidth' in source) return [source.videoWidth, source.videoHeight];
  return [source.width, source.height];
}

/** Decodes the first QR code in an image file (a screenshot or a photo of a code). */
export async function decodeImageFile(file: Blob, decoder: QrDecoder): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    return await decoder.decode(bitmap);
  } finally {
    bitmap.close();
  }
}

/**
 * Reads video frames every `intervalMs` until a frame decodes to text that `accept` takes (it returns true),
 * or `signal` aborts. Decoding one frame at a time keeps a slow phone from queueing work.
 */
export function scanVideo(
  video: HTMLVideoElement,
  decoder: QrDecoder,
  accept: (text: string) => boolean,
  signal: AbortSignal,
  intervalMs = 150,
): void {
  const tick = async () => {
    if (signal.aborted) return;
    let text: string | undefined;
    try {
      text = video.readyState >= 2 ? await decoder.decode(video) : undefined;
    } catch {
      text = undefined;
    }
    if (signal.aborted) return;
    if (text !== undefined && accept(text)) return;
    setTimeout(tick, intervalMs);
  };
  void tick();
}
