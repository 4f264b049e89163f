import type { Prisma } from '../generated/prisma/client.ts';
import type { Tx } from '../db/client.ts';
import type { Clock } from '../clock.ts';
import { MAX_PLUGIN_STATE_KEY_LENGTH, MAX_PLUGIN_STATE_KEYS, MAX_PLUGIN_STATE_VALUE_BYTES } from '../limits.ts';
import type { PluginState } from './types.ts';

/**
 * The key-value store of one installation, in the caller's transaction: a
 * refused step rolls a hook's writes back with everything else.
 */
export function pluginState(tx: Tx, clock: Clock, installationId: string): PluginState {
  return {
    async get<T>(key: string) {
      const row = await tx.pluginState.findUnique({ where: { installationId_key: { installationId, key } }, select: { value: true } });
      return row ? (row.value as T) : undefined;
    },
    async set(key, value) {
      if (key.length < 1 || key.length > MAX_PLUGIN_STATE_KEY_LENGTH) throw new Error(`state key must be 1..${MAX_PLUGIN_STATE_KEY_LENGTH} characters`);
      const json = JSON.stringify(value);
      if (json === undefined) throw new Error('state value must be JSON');
      if (Buffer.byteLength(json) > MAX_PLUGIN_STATE_VALUE_BYTES) throw new Error(`state value must be at most ${MAX_PLUGIN_STATE_VALUE_BYTES} bytes of JSON`);
      const where = { installationId_key: { installationId, key } };
      const exists = await tx.pluginState.findUnique({ where, select: { key: true } });
      if (!exists && (await tx.pluginState.count({ where: { installationId } })) >= MAX_PLUGIN_STATE_KEYS) {
        throw new Error(`state holds at most ${MAX_PLUGIN_STATE_KEYS} keys`);
      }
      const data = { value: value as Prisma.InputJsonValue, updatedAt: clock.now() };
      await tx.pluginState.upsert({ where, create: { installationId, key, ...data }, update: data });
    },
    async delete(key) {
      await tx.pluginState.deleteMany({ where: { installationId, key } });
    },
  };
}
