/**
 * The CLI's groups, `groups.json` next to the identity file (mode 0600): each group's signed statements in
 * hex, as the web client keeps them in its vault. Statements are public to the members and signed, so the
 * file holds nothing secret, but who is in which group is private: it is written for the owner only.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GroupRegistry, type SavedGroup } from '../core/group-registry.ts';
import type { GroupView } from '../core/group-state.ts';
import { CliError } from './identity-file.ts';

export const groupsPathFor = (identityPath: string): string => join(dirname(identityPath), 'groups.json');

export async function loadGroups(path: string, ownKey: string): Promise<GroupRegistry> {
  const registry = new GroupRegistry(ownKey);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return registry;
    throw error;
  }
  try {
    registry.restore(JSON.parse(text) as SavedGroup[]);
  } catch {
    throw new CliError(`${path} is not a groups file`);
  }
  return registry;
}

export async function saveGroups(path: string, registry: GroupRegistry): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(registry.save(), null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

/** A group by name (exactly one) or by the start of its id. */
export function findGroup(registry: GroupRegistry, nameOrId: string): GroupView {
  const groups = registry.list();
  const byName = groups.filter((g) => g.name === nameOrId);
  if (byName.length === 1) return byName[0]!;
  const byId = groups.filter((g) => nameOrId.length >= 4 && g.id.startsWith(nameOrId));
  if (byId.length === 1) return byId[0]!;
  throw new CliError(
    byName.length > 1 ? `several groups are named "${nameOrId}": use its id` : `no group "${nameOrId}"`,
  );
}
