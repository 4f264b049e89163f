// Baseline "raw-http": node:http + pg + JSON.stringify, nothing else; the
// physical limit of this stack. It still reads and parses the request body,
// as any server must, and answers in the GraphQL response shape.
import { serve } from '../servers/serve.ts';
import { readBody } from './read-body.ts';
import { accountIdOf, bearerToken, isMember, listMembers, memberGlobalId, openPool } from './members-sql.ts';

const pool = openPool();

await serve(
  'raw-http',
  async (req, res) => {
    try {
      const body = JSON.parse(await readBody(req)) as { variables?: { id?: unknown } };
      const accountId = accountIdOf(String(body.variables?.id ?? ''));
      const token = bearerToken(req.headers.authorization);
      let account = null;
      if (accountId && token && (await isMember(pool, token, accountId))) {
        const rows = await listMembers(pool, accountId, 100);
        account = {
          members: {
            edges: rows.map((row) => ({ node: { id: memberGlobalId(row.id), role: row.role, user: { displayName: row.displayName } } })),
          },
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { account } }));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  },
  () => pool.end(),
);
