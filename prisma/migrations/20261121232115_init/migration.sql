-- CreateTable
CREATE TABLE "TaskSet" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "sourceFile" TEXT NOT NULL,
    "sourceHash" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),

    CONSTRAINT "TaskSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Unit" (
    "id" SERIAL NOT NULL,
    "taskSetId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "aliases" TEXT[],
    "type" TEXT NOT NULL DEFAULT '单位',
    "emails" TEXT[],
    "leaderEmails" TEXT[],
    "members" TEXT[],
    "attributes" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "Unit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" SERIAL NOT NULL,
    "taskSetId" TEXT NOT NULL,
    "seq" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "group" TEXT,
    "text" TEXT NOT NULL,
    "deadline" DATE NOT NULL,
    "continuing" BOOLEAN NOT NULL DEFAULT false,
    "deadlineRaw" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "sourceRow" INTEGER,
    "workflowId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT '未启动',
    "light" TEXT NOT NULL DEFAULT 'green',
    "nextDue" TIMESTAMP(3),
    "lastReport" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Assignment" (
    "id" SERIAL NOT NULL,
    "taskId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "until" TIMESTAMP(3),

    CONSTRAINT "Assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Request" (
    "id" SERIAL NOT NULL,
    "taskId" INTEGER NOT NULL,
    "unitName" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "reportedAt" TIMESTAMP(3),

    CONSTRAINT "Request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Report" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "taskId" INTEGER NOT NULL,
    "unitName" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "percent" INTEGER,
    "text" TEXT NOT NULL,
    "reason" TEXT,
    "channel" TEXT NOT NULL,
    "inboundMessageId" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "accepted" BOOLEAN NOT NULL,
    "refusalReason" TEXT,
    "needsReview" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" SERIAL NOT NULL,
    "inboundMessageId" INTEGER,
    "reportId" INTEGER,
    "filename" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA,

    CONSTRAINT "Attachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Escalation" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "taskId" INTEGER NOT NULL,
    "unitName" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LightChange" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "taskId" INTEGER NOT NULL,
    "from" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "cause" TEXT NOT NULL,

    CONSTRAINT "LightChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Verdict" (
    "id" SERIAL NOT NULL,
    "taskId" INTEGER NOT NULL,
    "proposed" TEXT NOT NULL,
    "final" TEXT NOT NULL,
    "reason" TEXT,
    "decidedBy" TEXT NOT NULL,
    "overridden" BOOLEAN NOT NULL DEFAULT false,
    "decidedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Verdict_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" SERIAL NOT NULL,
    "messageId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fromAddr" TEXT,
    "subject" TEXT,
    "raw" BYTEA NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "workflowId" TEXT,
    "unitName" TEXT,
    "reportKey" TEXT,

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SentMail" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "workflowId" TEXT,
    "toAddrs" TEXT[],
    "ccAddrs" TEXT[],
    "subject" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "raw" BYTEA,

    CONSTRAINT "SentMail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AddressHealth" (
    "address" TEXT NOT NULL,
    "failing" BOOLEAN NOT NULL DEFAULT true,
    "lastBounce" TIMESTAMP(3) NOT NULL,
    "reason" TEXT,

    CONSTRAINT "AddressHealth_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "taskSetId" TEXT,
    "workflowId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Unit_taskSetId_name_key" ON "Unit"("taskSetId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Unit_taskSetId_code_key" ON "Unit"("taskSetId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "Task_workflowId_key" ON "Task"("workflowId");

-- CreateIndex
CREATE INDEX "Task_taskSetId_light_idx" ON "Task"("taskSetId", "light");

-- CreateIndex
CREATE UNIQUE INDEX "Task_taskSetId_seq_key" ON "Task"("taskSetId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Assignment_taskId_unitId_role_key" ON "Assignment"("taskId", "unitId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "Request_taskId_unitName_period_key" ON "Request"("taskId", "unitName", "period");

-- CreateIndex
CREATE UNIQUE INDEX "Report_key_key" ON "Report"("key");

-- CreateIndex
CREATE INDEX "Report_taskId_period_idx" ON "Report"("taskId", "period");

-- CreateIndex
CREATE UNIQUE INDEX "Escalation_key_key" ON "Escalation"("key");

-- CreateIndex
CREATE UNIQUE INDEX "LightChange_key_key" ON "LightChange"("key");

-- CreateIndex
CREATE UNIQUE INDEX "Verdict_taskId_key" ON "Verdict"("taskId");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_messageId_key" ON "InboundMessage"("messageId");

-- CreateIndex
CREATE INDEX "InboundMessage_outcome_idx" ON "InboundMessage"("outcome");

-- CreateIndex
CREATE UNIQUE INDEX "SentMail_key_key" ON "SentMail"("key");

-- CreateIndex
CREATE UNIQUE INDEX "SentMail_messageId_key" ON "SentMail"("messageId");

-- CreateIndex
CREATE INDEX "AuditEvent_workflowId_idx" ON "AuditEvent"("workflowId");

-- AddForeignKey
ALTER TABLE "Unit" ADD CONSTRAINT "Unit_taskSetId_fkey" FOREIGN KEY ("taskSetId") REFERENCES "TaskSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_taskSetId_fkey" FOREIGN KEY ("taskSetId") REFERENCES "TaskSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Request" ADD CONSTRAINT "Request_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LightChange" ADD CONSTRAINT "LightChange_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Verdict" ADD CONSTRAINT "Verdict_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;
