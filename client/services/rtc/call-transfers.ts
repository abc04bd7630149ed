/** The files sent and received over a verified call's data channel, and their progress for the call's view. */
import { toHex } from '../../../crypto/bytes.ts';
import type { CallConnection } from './call-connection.ts';
import { type FileSource, receiveFile, sendFile, type Transfer, type TransferView } from './file-transfer.ts';

export class CallTransfers {
  private readonly transfers = new Map<string, { view: TransferView; control: Transfer }>();

  /** `onChange` gets every transfer's view after each change. */
  constructor(private readonly onChange: (views: TransferView[]) => void) {}

  /** Sends `file` on a new file channel of `connection`, under the transfer id `id`. */
  send(connection: CallConnection, file: FileSource, id: Uint8Array): void {
    const control = sendFile(connection.openFileChannel(), file, id, (view) => this.changed(view, control));
    this.changed(
      {
        id: toHex(id),
        direction: 'send',
        name: file.name,
        size: file.size,
        type: file.type,
        transferred: 0,
        state: 'waiting',
      },
      control,
    );
  }

  /** A file channel the peer opened, and what came on it before our certificate check passed. */
  receive(channel: RTCDataChannel, early: readonly ArrayBuffer[]): void {
    const control = receiveFile(channel, (view) => this.changed(view, control), early);
  }

  cancel(id: string): void {
    this.transfers.get(id)?.control.cancel();
  }

  cancelAll(): void {
    for (const { control } of this.transfers.values()) control.cancel();
  }

  private changed(view: TransferView, control: Transfer): void {
    if (!view.id) return;
    this.transfers.set(view.id, { view, control });
    this.onChange([...this.transfers.values()].map((t) => t.view));
  }
}
