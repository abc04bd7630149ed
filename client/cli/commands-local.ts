/** The CLI commands that touch only local files: init, code, add, contacts, safety. */
import QRCode from 'qrcode';
import { fromHex } from '../../crypto/bytes.ts';
import { encodeContactCode, formatContactCode, parseContactInput } from '../../crypto/contact-code.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { formatSafetyNumber, safetyNumber } from '../../crypto/safety-number.ts';
import { isAcceptableDisplayName } from '../core/chat-protocol.ts';
import { ContactBook, contactsPathFor } from './contacts-file.ts';
import { CliError, createIdentityFile, readIdentityFile } from './identity-file.ts';

export interface Output {
  line(text: string): void;
}

export async function init(
  path: string,
  name: string,
  passphrase: string | undefined,
  out: Output,
): Promise<void> {
  const displayName = name.normalize('NFC');
  if (!isAcceptableDisplayName(displayName)) {
    throw new CliError('--name must be 1..64 bytes of text without control characters');
  }
  const identity = await createIdentityFile(path, displayName, passphrase);
  out.line(`created identity "${displayName}" in ${path}${passphrase ? ' (passphrase-protected)' : ''}`);
  out.line(`your contact code: ${encodeContactCode({ publicKey: identity.publicKey, displayName })}`);
}

export async function code(
  path: string,
  relayUrl: string | undefined,
  qr: boolean,
  out: Output,
): Promise<void> {
  const file = await readIdentityFile(path);
  const text = encodeContactCode({
    publicKey: fromHex(file.publicKey),
    displayName: file.name,
    ...(relayUrl ? { relayUrl } : {}),
  });
  out.line(text);
  if (qr) out.line(await QRCode.toString(text, { type: 'terminal', small: true }));
}

export async function add(path: string, input: string, name: string, out: Output): Promise<void> {
  const file = await readIdentityFile(path);
  let card: ReturnType<typeof parseContactInput>;
  try {
    card = parseContactInput(input);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new CliError(`not a valid contact code (${error.code}): check it was copied completely`);
  }
  if (card.publicKey.every((byte, i) => byte === fromHex(file.publicKey)[i])) {
    throw new CliError('that is your own contact code');
  }
  const book = await ContactBook.open(contactsPathFor(path));
  const contact = book.add(card, name, new Date());
  await book.save();
  const calls = card.displayName ? ` (calls itself "${card.displayName}")` : '';
  out.line(`added ${contact.name}${calls}`);
  out.line(`safety number: ${safetyNumber(fromHex(file.publicKey), card.publicKey).groups.join(' ')}`);
}

export async function contacts(path: string, out: Output): Promise<void> {
  const book = await ContactBook.open(contactsPathFor(path));
  if (book.list().length === 0)
    return out.line('no contacts yet: add one with `tincan add CODE --name NAME`');
  for (const c of book.list()) {
    const status = c.confirmed ? 'confirmed' : 'not confirmed yet';
    out.line(
      `${c.name}\t${c.displayName ?? ''}\t${status}\t${formatContactCode(encodeContactCode({ publicKey: fromHex(c.publicKey) }))}`,
    );
  }
}

export async function safety(path: string, nameOrCode: string, out: Output): Promise<void> {
  const file = await readIdentityFile(path);
  const book = await ContactBook.open(contactsPathFor(path));
  const { publicKey } = book.resolve(nameOrCode);
  out.line(formatSafetyNumber(safetyNumber(fromHex(file.publicKey), fromHex(publicKey)).digits));
}
