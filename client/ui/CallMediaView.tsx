/** A <video> (or <audio>) element showing a MediaStream; srcObject is not an attribute, so it is set here. */
import { useEffect, useRef } from 'preact/hooks';

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
  useEffect(() => {
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
  useEffect(() => {
    const audio = ref.current;
    if (!audio || audio.srcObject === stream) return;
    audio.srcObject = stream;
    if (stream) void audio.play().catch(() => {});
  }, [stream]);
  // biome-ignore lint/a11y/useMediaCaption: live call audio; no caption track exists for it
  return <audio ref={ref} autoplay />;
}
