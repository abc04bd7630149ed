/**
 * The camera, microphone and screen of one call, and what the user did to them (mute, camera off, another
 * device, screen share). Every track goes to the peer through the MediaGate, never straight to a sender: before
 * the gate opens, changing a device or sharing the screen only changes what will be sent once it does.
 */
import { type MediaDevicesLike, openMedia, openScreen } from './devices.ts';
import type { MediaGate } from './gate.ts';

export interface LocalMediaState {
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  /** What the local preview shows: the screen being shared, else the camera. */
  readonly preview: MediaStream | null;
  /** The devices in use, so the device menu shows them selected. */
  readonly inUse: DevicesInUse;
}

export interface DevicesInUse {
  readonly audioinput: string | null;
  readonly videoinput: string | null;
}

const deviceOf = (track: MediaStreamTrack | null | undefined): string | null =>
  track?.getSettings().deviceId ?? null;

export class LocalMedia {
  private stream: MediaStream | null = null;
  private camera: MediaStreamTrack | null = null;
  private screen: MediaStreamTrack | null = null;
  private muted = false;
  private cameraOff = false;

  constructor(private readonly devices: () => MediaDevicesLike) {}

  get state(): LocalMediaState {
    const video = this.screen ?? this.camera;
    return {
      muted: this.muted,
      cameraOff: this.cameraOff,
      sharing: this.screen !== null,
      preview: video ? new MediaStream([video]) : null,
      inUse: { audioinput: deviceOf(this.stream?.getAudioTracks()[0]), videoinput: deviceOf(this.camera) },
    };
  }

  /** The camera and microphone of this call, held by the gate until it opens. */
  async attach(gate: MediaGate, stream: MediaStream): Promise<void> {
    this.stop();
    this.stream = stream;
    this.camera = stream.getVideoTracks()[0] ?? null;
    await gate.setTrack('audio', stream.getAudioTracks()[0] ?? null);
    if (gate.hasSender('video')) await gate.setTrack('video', this.camera);
  }

  /** Muting disables the microphone track: the sender keeps it and sends silence. */
  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  async setCameraOff(gate: MediaGate, off: boolean): Promise<void> {
    this.cameraOff = off;
    if (this.camera) this.camera.enabled = !off;
    if (!this.screen && gate.hasSender('video')) await gate.setTrack('video', off ? null : this.camera);
  }

  /** Starts sharing (asks the browser for a screen; throws when refused) or goes back to the camera. */
  async shareScreen(gate: MediaGate, on: boolean, onEnded: () => void): Promise<void> {
    if (!gate.hasSender('video')) return;
    if (!on) {
      this.screen?.stop();
      this.screen = null;
      await gate.setTrack('video', this.cameraOff ? null : this.camera);
      return;
    }
    const track = await openScreen(this.devices());
    this.screen?.stop();
    this.screen = track;
    track.onended = onEnded;
    await gate.setTrack('video', track);
  }

  async selectDevice(gate: MediaGate, kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    const audio = kind === 'audioinput';
    const fresh = await openMedia(
      this.devices(),
      audio ? { audio: true, video: false, audioId: id } : { audio: false, video: true, videoId: id },
    );
    const track = (audio ? fresh.getAudioTracks() : fresh.getVideoTracks())[0];
    if (!track || this.stream !== stream) {
      for (const t of fresh.getTracks()) t.stop();
      return;
    }
    const old = audio ? stream.getAudioTracks()[0] : this.camera;
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(track);
    if (audio) {
      track.enabled = !this.muted;
      await gate.setTrack('audio', track);
    } else {
      this.camera = track;
      track.enabled = !this.cameraOff;
      if (!this.screen && !this.cameraOff) await gate.setTrack('video', track);
    }
  }

  /** Releases every device: the camera light goes off. */
  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.screen?.stop();
    this.stream = null;
    this.camera = null;
    this.screen = null;
    this.muted = false;
    this.cameraOff = false;
  }
}
