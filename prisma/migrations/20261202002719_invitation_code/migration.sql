-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "codeHash" TEXT;

-- Pending invitations from before codes could be accepted by anyone who signed
-- up with the invited email (issue 14 row 1): they are withdrawn; invite again.
UPDATE "Invitation" SET status = 'REVOKED', "decidedAt" = now() WHERE status = 'PENDING';
