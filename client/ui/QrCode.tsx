import { useMemo } from 'preact/hooks';
import { qrPicture } from '../services/qr.ts';

/** A QR code as inline SVG: one path, colours from the stylesheet (always dark on light, also in dark mode). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const picture = useMemo(() => qrPicture(text), [text]);
  return (
    <svg
      class="qr"
      viewBox={`0 0 ${picture.size} ${picture.size}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
    >
      <rect width={picture.size} height={picture.size} />
      <path d={picture.path} />
    </svg>
  );
}
