/** Camera, microphone and screen: what getUserMedia / getDisplayMedia / enumerateDevices give, made small. */

export interface DeviceInfo {
  readonly id: string;
  readonly label: string;
  readonly kind: 'audioinput' | 'videoinput';
}

export type MediaDevicesLike = Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'> &
  Partial<Pick<MediaDevices, 'getDisplayMedia'>>;

/**
 * Small frames by default: calls are faces, and phones and the test machine both have little to spare. The frame
 * rate is the one webcams deliver natively: asking for less makes the browser drop frames, and a call's first
 * frame waits for the camera's next ones once the gate opens (spec/performance.md, Calls).
 */
import { TURN_UNAVAILABLE_TEXT, TurnUnavailableError } from './ice-policy.ts';

const VIDEO: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 480 },
  frameRate: { ideal: 30 },
};

export async function openMedia(
  devices: MediaDevicesLike,
  want: { audio: boolean; video: boolean; audioId?: string | null; videoId?: string | null },
): Promise<MediaStream> {
  const audio: MediaTrackConstraints | false = want.audio
    ? {
        echoCancellation: true,
        noiseSuppression: true,
        ...(want.audioId ? { deviceId: { exact: want.audioId } } : {}),
      }
    : false;
  const video: MediaTrackConstraints | false = want.video
    ? { ...VIDEO, ...(want.videoId ? { deviceId: { exact: want.videoId } } : {}) }
    : false;
  return devices.getUserMedia({ audio, video });
}

export async function listDevices(devices: MediaDevicesLike): Promise<DeviceInfo[]> {
  const all = await devices.enumerateDevices();
  let count = 0;
  return all
    .filter(
      (d): d is MediaDeviceInfo & { kind: DeviceInfo['kind'] } =>
        d.kind === 'audioinput' || d.kind === 'videoinput',
    )
    .map((d) => ({
      id: d.deviceId,
      kind: d.kind,
      label: d.label || `${d.kind === 'audioinput' ? 'Microphone' : 'Camera'} ${++count}`,
    }));
}

export async function openScreen(devices: MediaDevicesLike): Promise<MediaStreamTrack> {
  if (!devices.getDisplayMedia) throw new Error('Screen sharing is not available in this browser.');
  const stream = await devices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
  const [track] = stream.getVideoTracks();
  if (!track) throw new Error('No screen was chosen.');
  return track;
}

/** What went wrong opening media, in words for the call screen. */
export function describeMediaError(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'Tincan may not use the camera or microphone. Allow it in the browser’s site settings and call again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found.';
    case 'NotReadableError':
      return 'The camera or microphone is in use by another program.';
    default:
      return 'The camera or microphone could not be opened.';
  }
}

const MEDIA_ERRORS = ['NotAllowedError', 'NotFoundError', 'OverconstrainedError', 'NotReadableError'];

/** What to tell the user when a call could not start: the camera's or microphone's problem, else a retry. */
export function describeStartError(error: unknown): string {
  if (error instanceof TurnUnavailableError) return TURN_UNAVAILABLE_TEXT;
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  return MEDIA_ERRORS.includes(name)
    ? describeMediaError(error)
    : 'The call could not be started. Try again.';
}
