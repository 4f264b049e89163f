import type { AppDeps } from '../deps.ts';
import type { Config } from '../env.ts';
import { QUEUES } from '../jobs/queue.ts';
import { purgeExpired } from './retention.ts';

export type MaintenanceJobDeps = Pick<AppDeps, 'db' | 'clock' | 'logger'> & { config: Pick<Config, 'outboxRetentionMs' | 'pluginRunRetentionMs' | 'idempotencyRetentionMs'> };

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
