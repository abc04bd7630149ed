/**
 * A <video> (or <audio>) element showing a MediaStream; srcObject is not an attribute, so it is set here, in a
 * layout effect: before the browser paints the element, not a frame later, so the player is ready for the first
 * frame that arrives.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';

export function StreamVideo({
  stream,
  label,
  muted,
  class: className,
  testId,
}: {
  stream: MediaStream | null;
  label: string;
  muted: boolean;
  class: string;
  testId: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useLayoutEffect(() => {
    const video = ref.current;
    if (!video || video.srcObject === stream) return;
    video.srcObject = stream;
    if (stream) void video.play().catch(() => {});
  }, [stream]);
  return (
    <video
      ref={ref}
      class={className}
      autoplay
      playsInline
      muted={muted}
      aria-label={label}
      data-testid={testId}
    />
  );
}

export function StreamAudio({ stream }: { stream: MediaStream | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  useLayoutEffect(() => {
    const audio = ref.current;
    if (!audio || audio.srcObject === stream) return;
    audio.srcObject = stream;
    if (stream) void audio.play().catch(() => {});
  }, [stream]);
  // biome-ignore lint/a11y/useMediaCaption: live call audio; no caption track exists for it
  return <audio ref={ref} autoplay />;
}
