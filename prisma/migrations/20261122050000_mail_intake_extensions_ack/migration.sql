-- AlterTable
ALTER TABLE "Assignment" ADD COLUMN     "acknowledgedAt" TIMESTAMP(3),
ADD COLUMN     "acknowledgedVia" TEXT;

-- AlterTable
ALTER TABLE "SentMail" ADD COLUMN     "failure" TEXT,
ADD COLUMN     "inReplyTo" TEXT,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'sent',
ADD COLUMN     "unitName" TEXT;

-- CreateTable
CREATE TABLE "ExtensionRequest" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "taskId" INTEGER NOT NULL,
    "unitName" TEXT NOT NULL,
    "newDeadline" DATE NOT NULL,
    "reason" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "inboundMessageId" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decisionReason" TEXT,

    CONSTRAINT "ExtensionRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MailboxStatus" (
    "id" TEXT NOT NULL,
    "lastPollAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "lastError" TEXT,
    "waiting" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MailboxStatus_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ExtensionRequest_key_key" ON "ExtensionRequest"("key");

-- CreateIndex
CREATE INDEX "ExtensionRequest_taskId_idx" ON "ExtensionRequest"("taskId");

-- CreateIndex
CREATE INDEX "SentMail_workflowId_idx" ON "SentMail"("workflowId");

-- AddForeignKey
ALTER TABLE "ExtensionRequest" ADD CONSTRAINT "ExtensionRequest_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

