import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import type { Config } from '../env.ts';
import { purgeExpired } from '../maintenance/retention.ts';
import { QUEUES } from './queue.ts';

export type MaintenanceJobDeps = { db: Database; clock: Clock; logger: Logger; config: Pick<Config, 'outboxRetentionMs' | 'pluginRunRetentionMs' | 'idempotencyRetentionMs'> };

/** The hourly retention purge, as a job handler. */
export function maintenanceJobHandlers(deps: MaintenanceJobDeps) {
  return {
    [QUEUES.purgeExpired.name]: async () => {
      const purged = await purgeExpired(
        { driver: deps.db.driver, clock: deps.clock },
        {
          outboxMs: deps.config.outboxRetentionMs,
          pluginRunMs: deps.config.pluginRunRetentionMs,
          idempotencyMs: deps.config.idempotencyRetentionMs,
        },
      );
      deps.logger.info(purged, 'purged history past its retention window');
    },
  };
}
