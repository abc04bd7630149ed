/**
 * The shape of the code, checked on the sources themselves: no import circles anywhere in the product, a pure
 * crypto/ (bytes in, bytes out: no Node, no DOM, only the pinned crypto libraries), and an isomorphic
 * messenger core that the browser and the CLI share (no Node, no DOM, nothing above it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PRODUCT = ['client', 'crypto', 'relay'];
const MESSENGER_CORE = 'client/core';
const NODE_BACKENDS = 'crypto/node/';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports, statically or dynamically, types included. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return found.map((match) => match[1]!);
}

const resolveLocal = (from: string, specifier: string): string | undefined =>
  specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(from), specifier)) : undefined;

const files = PRODUCT.flatMap(sources);
const graph = new Map(
  files.map((file) => [
    file,
    importsOf(file).flatMap((specifier) => {
      const target = resolveLocal(file, specifier);
      return target === undefined ? [] : [target];
    }),
  ]),
);

/** The import circles of the graph, each as the files on it (Tarjan's strongly connected components). */
function circles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

/**
 * Globals of one platform only: the DOM's, or Node's. (Both platforms' shared globals, TextEncoder, URL,
 * atob and the like, are fine; `subtle` is passed in.) A name used as a property (`.location`) is not a global.
 */
const PLATFORM_GLOBALS =
  /(?<![\w.$])(?:document|navigator|localStorage|sessionStorage|indexedDB|location|RTCPeerConnection|WebSocket|HTMLElement|self|process|Buffer|require|__dirname)\b(?!\s*:)/;

/** The file without its comments, which may name anything. */
const codeOf = (file: string): string =>
  readFileSync(join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('architecture', () => {
  it('the import graph was read (the check is not blind)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get('client/core/messenger.ts')).toContain('client/core/outbox.ts');
  });

  it('has no import circle in client/, crypto/ or relay/', () => {
    expect(circles()).toEqual([]);
  });

  it('keeps crypto/ pure: only its own modules and the pinned crypto libraries, no Node, no DOM', () => {
    for (const file of sources('crypto').filter((path) => !path.startsWith(NODE_BACKENDS))) {
      for (const specifier of importsOf(file)) {
        const local = resolveLocal(file, specifier);
        if (local !== undefined) expect(local, `${file} imports ${specifier}`).toMatch(/^crypto\//);
        else
          expect(specifier, `${file} imports ${specifier}`).toMatch(
            /^(?:@noble\/(?:ed25519|hashes)|tweetnacl)\b/,
          );
      }
      expect(codeOf(file), file).not.toMatch(PLATFORM_GLOBALS);
    }
  });

  it('keeps the messenger core isomorphic: crypto/ and itself only, no Node, no DOM', () => {
    for (const file of sources(MESSENGER_CORE)) {
      for (const specifier of importsOf(file)) {
        const local = resolveLocal(file, specifier);
        expect(local, `${file} imports ${specifier}`).toBeDefined();
        expect(local!, `${file} imports ${specifier}`).toMatch(/^(?:crypto\/(?!node\/)|client\/core\/)/);
      }
      expect(codeOf(file), file).not.toMatch(PLATFORM_GLOBALS);
    }
  });

  it("gives crypto/node/ (Node's native backends of the same primitives) nothing but node:crypto and crypto/", () => {
    const backends = sources(NODE_BACKENDS.slice(0, -1));
    expect(backends.length).toBeGreaterThan(0);
    for (const file of backends)
      for (const specifier of importsOf(file)) {
        const local = resolveLocal(file, specifier);
        if (local !== undefined) expect(local, `${file} imports ${specifier}`).toMatch(/^crypto\//);
        else expect(specifier, `${file} imports ${specifier}`).toBe('node:crypto');
      }
  });

  it('keeps the server and the clients apart: relay/ imports no client code, the clients no relay code', () => {
    for (const file of files) {
      const locals = importsOf(file).flatMap((specifier) => resolveLocal(file, specifier) ?? []);
      const forbidden = file.startsWith('relay/')
        ? /^client\//
        : file.startsWith('client/')
          ? /^relay\//
          : null;
      if (forbidden)
        for (const local of locals) expect(local, `${file} imports ${local}`).not.toMatch(forbidden);
    }
  });

  it('keeps the web client free of the CLI, and the CLI free of the web client: both stand on the core', () => {
    for (const file of files.filter((path) => path.startsWith('client/'))) {
      const locals = importsOf(file).flatMap((specifier) => resolveLocal(file, specifier) ?? []);
      const forbidden = file.startsWith('client/cli/')
        ? /^client\/(?:ui|state|services)\//
        : file.startsWith('client/core/')
          ? null
          : /^client\/cli\//;
      if (forbidden)
        for (const local of locals) expect(local, `${file} imports ${local}`).not.toMatch(forbidden);
    }
  });
});

describe("README's folder table", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const named = [...readme.matchAll(/^\| `([\w/]+)\/` \|/gm)].map((match) => match[1]!);

  it('names folders that exist', () => {
    expect(named.length).toBeGreaterThan(5);
    for (const folder of named) expect(statSync(join(ROOT, folder)).isDirectory(), folder).toBe(true);
  });

  it('names every folder of the product and the client', () => {
    const folders = (dir: string) =>
      readdirSync(join(ROOT, dir)).filter((name) => statSync(join(ROOT, dir, name)).isDirectory());
    for (const folder of ['client', 'crypto', 'relay', 'spec', 'tests']) expect(named).toContain(folder);
    const clientParts = folders('client').filter((name) => name !== 'public');
    for (const part of clientParts) {
      const described = named.includes(`client/${part}`) || readme.includes(`\`${part}/\``);
      expect(described, `client/${part}`).toBe(true);
    }
  });
});
