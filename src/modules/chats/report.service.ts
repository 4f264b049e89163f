import { z } from 'zod';
import type { Report } from '../../generated/prisma/client.ts';
import { can } from '../../auth/ability.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { MAX_REPORT_REASON_LENGTH } from '../../limits.ts';
import type { FriendDeps } from '../friends/friend.service.ts';
import { boundedText, parseInput } from '../validate.ts';

const ReportInput = z.object({ messageId: z.string(), reason: boundedText(MAX_REPORT_REASON_LENGTH) });

/**
 * The friend reports a message the account sent them (which ones: the
 * friend ability). The report keeps its own copy of the content, so a later
 * recall erases no evidence (R-RECALL-4).
 */
export async function friendReportMessage(deps: FriendDeps, input: z.input<typeof ReportInput>): Promise<Report> {
  const data = parseInput(ReportInput, input);
  const { tx, clock, friend } = deps;
  const message = await tx.message.findUnique({ where: { id: data.messageId } });
  // Another friend's message, or one's own, is not reportable: exactly like a missing one.
  if (!message || !can(deps.ability, 'report', 'FriendMessage', message)) throw new NotFoundError('messageId');
  if (message.recalledAt || message.content === null) {
    throw new ConflictError('ALREADY_RECALLED', 'This message was recalled; there is no content left to report.');
  }
  try {
    return await tx.report.create({
      data: {
        accountId: message.accountId,
        messageId: message.id,
        friendId: friend.friendId,
        reason: data.reason,
        contentType: message.contentType,
        content: message.content,
        createdAt: clock.now(),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('ALREADY_REPORTED', 'You already reported this message.');
    throw error;
  }
}
