/**
 * The camera, microphone and screen of one group call, shared by every leg: the same tracks go to each leg's
 * MediaGate, which holds them until that leg's own certificate check has passed. Muting, the camera and the
 * screen apply to all legs at once; a leg made later gets what is current.
 */
import { type MediaDevicesLike, openScreen } from './devices.ts';
import type { MediaGate } from './gate.ts';

/**
 * Each participant encodes its camera once per other participant (full mesh): smaller frames than a
 * one-to-one call's keep five encoders within a phone's or a small laptop's means. The frame rate stays the one
 * webcams deliver natively (as in devices.ts): a new leg's first frame waits for the camera's next one.
 */
export const GROUP_VIDEO: MediaTrackConstraints = {
  width: { ideal: 320 },
  height: { ideal: 240 },
  frameRate: { ideal: 30 },
};

export interface GroupMediaState {
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  readonly preview: MediaStream | null;
}

export class GroupMedia {
  private stream: MediaStream | null = null;
  private screen: MediaStreamTrack | null = null;
  private muted = false;
  private cameraOff = false;
  private readonly gates = new Set<MediaGate>();

  constructor(private readonly devices: () => MediaDevicesLike) {}

  get state(): GroupMediaState {
    const video = this.videoTrack();
    return {
      muted: this.muted,
      cameraOff: this.cameraOff,
      sharing: this.screen !== null,
      preview: video ? new MediaStream([video]) : null,
    };
  }

  async open(video: boolean): Promise<void> {
    if (this.stream) return;
    this.stream = await this.devices().getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: video ? GROUP_VIDEO : false,
    });
    await Promise.all([...this.gates].map((gate) => this.apply(gate)));
  }

  /** A leg's gate: it gets the current tracks now and every change later. */
  async add(gate: MediaGate): Promise<void> {
    this.gates.add(gate);
    await this.apply(gate);
  }

  remove(gate: MediaGate): void {
    this.gates.delete(gate);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  async setCameraOff(off: boolean): Promise<void> {
    this.cameraOff = off;
    await this.applyAll();
  }

  /** Starts sharing the screen (throws when the browser refuses) or goes back to the camera. */
  async shareScreen(on: boolean, onEnded: () => void): Promise<void> {
    if (!on) {
      this.screen?.stop();
      this.screen = null;
    } else {
      const track = await openScreen(this.devices());
      this.screen?.stop();
      this.screen = track;
      track.onended = onEnded;
    }
    await this.applyAll();
  }

  /** Releases every device and forgets the legs. */
  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.screen?.stop();
    this.stream = null;
    this.screen = null;
    this.muted = false;
    this.cameraOff = false;
    this.gates.clear();
  }

  private videoTrack(): MediaStreamTrack | null {
    if (this.screen) return this.screen;
    return this.cameraOff ? null : (this.stream?.getVideoTracks()[0] ?? null);
  }

  private async applyAll(): Promise<void> {
    await Promise.all([...this.gates].map((gate) => this.apply(gate)));
  }

  private async apply(gate: MediaGate): Promise<void> {
    const audio = this.stream?.getAudioTracks()[0] ?? null;
    if (audio) audio.enabled = !this.muted;
    await gate.setTrack('audio', audio);
    if (gate.hasSender('video')) await gate.setTrack('video', this.videoTrack());
  }
}
