// The Prisma CLI looks for its native schema engine before generate/validate
// and tries to download it, which fails offline. Pointing it at any existing
// executable skips that; migrations are diffed with the WASM engine instead
// (prisma/make-migration.ts). `??=` lets users with a real engine override it.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
});
