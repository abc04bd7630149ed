import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { openCamera, stopStream } from '../services/media.ts';
import { decodeImageFile, loadQrDecoder, scanVideo } from '../services/qr-scan.ts';
import { Notice } from './Notice.tsx';

/**
 * Camera QR scanner with an image-file fallback. The decoder (BarcodeDetector or the lazily loaded jsQR) is
 * only fetched when this component mounts. `onText` returns true when it takes the text (scanning stops)
 * and false to keep scanning; `camera` false shows only the image picker.
 */
export function Scanner({
  onText,
  label,
  camera = true,
}: {
  onText: (text: string, source: 'camera' | 'image') => boolean;
  label: string;
  camera?: boolean;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const problem = useSignal<string | null>(null);
  const scanning = useSignal(false);

  useEffect(() => {
    if (!camera) return;
    const abort = new AbortController();
    let stream: MediaStream | undefined;
    (async () => {
      try {
        const [decoder, opened] = await Promise.all([loadQrDecoder(), openCamera()]);
        stream = opened;
        if (abort.signal.aborted || !video.current) return stopStream(stream);
        video.current.srcObject = stream;
        await video.current.play().catch(() => {});
        scanning.value = true;
        scanVideo(video.current, decoder, (text) => onText(text, 'camera'), abort.signal);
      } catch (error) {
        const name = (error as { name?: string }).name;
        problem.value =
          name === 'NotAllowedError'
            ? 'The camera is blocked for this page. Allow it in the browser, or scan a picture of the code below.'
            : name === 'NotFoundError' || (error as Error).message === 'no-camera-api'
              ? 'No camera found. You can scan a picture of the code instead.'
              : 'The camera could not start. You can scan a picture of the code instead.';
      }
    })();
    return () => {
      abort.abort();
      stopStream(stream);
    };
  }, [camera]);

  const pickImage = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    problem.value = null;
    try {
      const text = await decodeImageFile(file, await loadQrDecoder());
      if (text === undefined)
        problem.value = 'No QR code found in that picture. Try a sharper or closer one.';
      else if (!onText(text, 'image')) problem.value = 'That QR code is not the kind expected here.';
    } catch {
      problem.value = 'That file could not be read as a picture.';
    }
  };

  return (
    <div class="scanner stack">
      {camera && (
        <video
          ref={video}
          muted
          playsInline
          aria-label={`${label}: camera view`}
          aria-describedby="scanner-hint"
        />
      )}
      {camera && (
        <p id="scanner-hint" class="hint" role="status">
          {scanning.value ? 'Point the camera at the QR code.' : problem.value ? '' : 'Starting the camera…'}
        </p>
      )}
      {problem.value && <Notice kind="warning">{problem.value}</Notice>}
      <label class="button file-button">
        Scan a picture of a QR code
        <input type="file" accept="image/*" onChange={pickImage} aria-label={`${label}: choose a picture`} />
      </label>
    </div>
  );
}
