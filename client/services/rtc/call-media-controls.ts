/**
 * The user's controls over a call's own media (mute, camera off, screen sharing, another device) and the view
 * of it: what the local preview shows and which devices are in use. The tracks go through the call's media
 * gate (local-media.ts); the peer hears of mute, camera and screen once the call is up.
 */
import type { CallConnection } from './call-connection.ts';
import type { CallView } from './call-types.ts';
import { describeMediaError, listDevices, type MediaDevicesLike } from './devices.ts';
import { LocalMedia } from './local-media.ts';

/** What the controls read of the call service, and do through it. */
export interface MediaControlsHost {
  readonly connection: () => CallConnection | null;
  readonly devices: () => MediaDevicesLike;
  readonly update: (next: Partial<CallView>) => void;
  /** Tells the peer our mute, camera and screen flags (once the call is up). */
  readonly sendFlags: () => void;
}

export class CallMediaControls {
  private readonly media: LocalMedia;

  constructor(private readonly host: MediaControlsHost) {
    this.media = new LocalMedia(() => host.devices());
  }

  setMuted(muted: boolean): void {
    this.media.setMuted(muted);
    this.changed();
  }

  async setCameraOff(off: boolean): Promise<void> {
    const connection = this.host.connection();
    if (!connection) return;
    await this.media.setCameraOff(connection.gate, off);
    this.changed();
  }

  async shareScreen(on: boolean): Promise<void> {
    const connection = this.host.connection();
    if (!connection) return;
    try {
      await this.media.shareScreen(connection.gate, on, () => void this.shareScreen(false));
      this.host.update({ notice: null });
    } catch (error) {
      const refused = !(error instanceof Error) || error.name === 'NotAllowedError';
      this.host.update({ notice: refused ? 'Screen sharing was not started.' : error.message });
    }
    this.changed();
  }

  async selectDevice(kind: 'audioinput' | 'videoinput', id: string): Promise<void> {
    const connection = this.host.connection();
    if (!connection) return;
    try {
      await this.media.selectDevice(connection.gate, kind, id);
      this.host.update({ notice: null });
      this.changed();
    } catch (error) {
      this.host.update({ notice: describeMediaError(error) });
    }
  }

  async refreshDevices(): Promise<void> {
    try {
      this.host.update({ devices: await listDevices(this.host.devices()) });
    } catch {
      this.host.update({ devices: [] });
    }
  }

  /** The camera and microphone opened for the call, behind its gate (the peer is told nothing yet). */
  async attach(connection: CallConnection, stream: MediaStream): Promise<void> {
    await this.media.attach(connection.gate, stream);
    this.changed(false);
  }

  stop(): void {
    this.media.stop();
  }

  /** The view follows the local media; the peer hears of mute, camera and screen once the call is up. */
  private changed(tellPeer = true): void {
    const { muted, cameraOff, sharing, preview, inUse } = this.media.state;
    this.host.update({ muted, cameraOff, sharing, local: preview, devicesInUse: inUse });
    if (tellPeer) this.host.sendFlags();
  }
}
