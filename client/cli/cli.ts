/**
 * `tincan`: a terminal client for the Tincan relay. Identity and contacts live in files (default
 * ~/.tincan/identity.json and contacts.json beside it); the seed is never printed.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_RELAY_URLS } from '../core/relay-rotation.ts';
import type { ChatNode } from './chat-node.ts';
import { createGroup, listGroups, sendToGroup } from './commands-groups.ts';
import { add, code, contacts, init, type Output, safety } from './commands-local.ts';
import { chat, listen, type NetContext, send } from './commands-net.ts';
import { ContactBook, contactsPathFor } from './contacts-file.ts';
import { CliError, loadIdentity } from './identity-file.ts';

const USAGE = `usage: tincan <command> [options]

  init --name NAME [--encrypt]        create an identity (--encrypt: sealed under $TINCAN_PASSPHRASE)
  code [--qr] [--relay URL]           print your contact code (and a QR code)
  add CODE --name NAME                add a contact from their code or #add= link
  contacts                            list contacts
  safety CONTACT                      print the safety number you share with a contact
  send [--relay URL] [--timeout S] [--wait] CONTACT TEXT
                                      send one message, wait for the end-to-end acknowledgement
  listen [--relay URL] [--accept-requests]
                                      print incoming messages until interrupted
  chat [--relay URL] [--accept-requests] CONTACT
                                      listen, and send each line you type to CONTACT
  group-create [--relay URL] NAME CONTACT...
                                      make a group of you and these contacts (you are its admin)
  groups                              list your groups and their members
  group-send [--relay URL] [--timeout S] GROUP TEXT
                                      send one message to a group (by name or id), wait for the members' acks

  every command: --identity FILE (default $TINCAN_IDENTITY or ~/.tincan/identity.json)
  CONTACT is a contact's name or a contact code; --relay defaults to $TINCAN_RELAY or ws://127.0.0.1:8080/relay;
  several relay nodes of one deployment: repeat --relay or separate URLs by commas (the next is used at once
  when one fails)
  listen also prints (and takes part in) your groups
  exit status of send: 0 delivered, 2 recipient not connected, 3 not acknowledged in time;
  of group-create and group-send: 0 every member acknowledged, 3 not all in time`;

const OPTIONS = {
  identity: { type: 'string' },
  name: { type: 'string' },
  encrypt: { type: 'boolean' },
  qr: { type: 'boolean' },
  relay: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  wait: { type: 'boolean' },
  'accept-requests': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const stdout: Output = { line: (text) => process.stdout.write(`${text}\n`) };

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    stdout.line(USAGE);
    return command || values.help ? 0 : 1;
  }
  const identityPath = resolve(
    values.identity ?? env.TINCAN_IDENTITY ?? join(homedir(), '.tincan', 'identity.json'),
  );
  const split = (text: string) =>
    text
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url.length > 0);
  const relayUrls = values.relay?.flatMap(split) ?? split(env.TINCAN_RELAY ?? 'ws://127.0.0.1:8080/relay');
  const need = (count: number, what: string) => {
    if (args.length !== count) throw new CliError(`usage: tincan ${command} ${what}`);
  };
  switch (command) {
    case 'init':
      need(0, '--name NAME [--encrypt]');
      if (!values.name) throw new CliError('init needs --name NAME');
      if (values.encrypt && !env.TINCAN_PASSPHRASE)
        throw new CliError('--encrypt needs TINCAN_PASSPHRASE set');
      await init(identityPath, values.name, values.encrypt ? env.TINCAN_PASSPHRASE : undefined, stdout);
      return 0;
    case 'code':
      need(0, '[--qr] [--relay URL]');
      await code(identityPath, values.relay ? relayUrls[0] : undefined, values.qr ?? false, stdout);
      return 0;
    case 'add':
      need(1, 'CODE --name NAME');
      if (!values.name) throw new CliError('add needs --name NAME');
      await add(identityPath, args[0]!, values.name, stdout);
      return 0;
    case 'contacts':
      need(0, '');
      await contacts(identityPath, stdout);
      return 0;
    case 'safety':
      need(1, 'CONTACT');
      await safety(identityPath, args[0]!, stdout);
      return 0;
    case 'send': {
      if (args.length < 2) throw new CliError('usage: tincan send [--relay URL] CONTACT TEXT');
      const timeoutMs = Number(values.timeout ?? 20) * 1000;
      if (!(timeoutMs > 0)) throw new CliError('--timeout must be a positive number of seconds');
      const context = await netContext(identityPath, relayUrls, env);
      return send(context, args[0]!, args.slice(1).join(' '), { timeoutMs, wait: values.wait ?? false });
    }
    case 'listen': {
      need(0, '[--relay URL] [--accept-requests]');
      const context = await netContext(identityPath, relayUrls, env);
      const node = await listen(context, { acceptRequests: values['accept-requests'] ?? false });
      return runUntilStopped(node, interrupted());
    }
    case 'chat': {
      need(1, '[--relay URL] CONTACT');
      const context = await netContext(identityPath, relayUrls, env);
      const { node, ended } = await chat(context, args[0]!, values['accept-requests'] ?? false);
      return runUntilStopped(node, Promise.race([interrupted(), ended.then(() => drained(node))]));
    }
    case 'group-create': {
      if (args.length < 2) throw new CliError('usage: tincan group-create [--relay URL] NAME CONTACT...');
      const context = await netContext(identityPath, relayUrls, env);
      return createGroup(context, args[0]!, args.slice(1), timeoutOf(values.timeout));
    }
    case 'groups': {
      need(0, '');
      await listGroups(await netContext(identityPath, relayUrls, env), stdout);
      return 0;
    }
    case 'group-send': {
      if (args.length < 2) throw new CliError('usage: tincan group-send [--relay URL] GROUP TEXT');
      const context = await netContext(identityPath, relayUrls, env);
      return sendToGroup(context, args[0]!, args.slice(1).join(' '), timeoutOf(values.timeout));
    }
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

function timeoutOf(value: string | undefined): number {
  const timeoutMs = Number(value ?? 20) * 1000;
  if (!(timeoutMs > 0)) throw new CliError('--timeout must be a positive number of seconds');
  return timeoutMs;
}

async function netContext(
  identityPath: string,
  relayUrls: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<NetContext> {
  if (relayUrls.length === 0 || !relayUrls.every((url) => /^wss?:\/\//.test(url)))
    throw new CliError('--relay must be a ws:// or wss:// URL (several: repeat it, or separate by commas)');
  if (relayUrls.length > MAX_RELAY_URLS) throw new CliError(`--relay: at most ${MAX_RELAY_URLS} relays`);
  const { identity, name } = await loadIdentity(identityPath, env.TINCAN_PASSPHRASE);
  const book = await ContactBook.open(contactsPathFor(identityPath));
  return { identity, name, identityPath, relayUrls, book, out: stdout };
}

const interrupted = (): Promise<void> =>
  new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

/** Gives what was typed last a few seconds to be acknowledged. */
async function drained(node: ChatNode): Promise<void> {
  for (let waited = 0; node.messenger.outbox.size > 0 && waited < 5000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runUntilStopped(node: ChatNode, stop: Promise<void>): Promise<number> {
  await stop;
  await Promise.race([node.messenger.leave(), new Promise((r) => setTimeout(r, 1000))]);
  await node.close();
  return 0;
}

export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof CliError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`tincan: ${(error as Error).message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 64;
    } else {
      process.stderr.write(`tincan: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 70;
    }
  }
  // Sockets and timers are closed by now; exit without waiting for anything a library left behind.
  process.exit();
}
