import type { Tx } from '../db/client.ts';
import { type AppAbility, can, type SubjectName } from '../auth/ability.ts';
import { NotFoundError } from '../errors.ts';
import type { SubjectMap } from '../auth/ability.ts';

type Delegate = { findUnique(args: { where: { id: string }; include?: object }): Promise<unknown> };

/**
 * Load, check read, else NOT_FOUND (tenancy): a row the viewer may not read
 * behaves exactly like a missing one. `field` names the argument in the
 * error (default: `<type>Id`).
 */
export async function loadReadable<N extends SubjectName, Extra extends object = object>(
  deps: { tx: Tx; actor: { ability: AppAbility } },
  name: N,
  id: string,
  options: { include?: object; field?: string } = {},
): Promise<SubjectMap[N] & Extra> {
  const model = name.charAt(0).toLowerCase() + name.slice(1);
  const delegate = (deps.tx as unknown as Record<string, Delegate>)[model];
  if (!delegate) throw new Error(`no table for ${name}`);
  const row = (await delegate.findUnique({ where: { id }, ...(options.include ? { include: options.include } : {}) })) as (SubjectMap[N] & Extra) | null;
  if (!row || !can(deps.actor.ability, 'read', name, row)) throw new NotFoundError(options.field ?? `${model}Id`);
  return row;
}
