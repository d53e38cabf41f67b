-- AlterTable
ALTER TABLE "SentMail" ADD COLUMN     "replyRef" TEXT,
ADD COLUMN     "replyToken" TEXT;

-- CreateIndex
CREATE INDEX "SentMail_replyRef_idx" ON "SentMail"("replyRef");

