// Baseline "raw-http" for the chat list (S3): node:http + pg + JSON.stringify,
// as raw-http.ts is for members. Answers in the GraphQL response shape.
import { serve } from '../servers/serve.ts';
import { readBody } from './read-body.ts';
import { chatGlobalId, listChats, textOnly } from './chats-sql.ts';
import { accountIdOf, bearerToken, isMember, openPool } from './members-sql.ts';

const pool = openPool();
const PAGE = 50;

await serve(
  'raw-http',
  async (req, res) => {
    try {
      const body = JSON.parse(await readBody(req)) as { variables?: { id?: unknown } };
      const accountId = accountIdOf(String(body.variables?.id ?? ''));
      const token = bearerToken(req.headers.authorization);
      let account = null;
      if (accountId && token && (await isMember(pool, token, accountId))) {
        const rows = await listChats(pool, accountId, PAGE);
        account = {
          chats: {
            edges: rows.map((row) => ({
              node: {
                id: chatGlobalId(row.id),
                unreadCount: row.unreadCount,
                friend: { displayName: row.displayName },
                lastMessage: row.sentAt ? { sentAt: row.sentAt.toISOString(), content: textOnly(row.content) } : null,
              },
            })),
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
