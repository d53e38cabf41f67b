# Duban's image for docker-compose.yml: the same sources, run through tsx, and
# the workflow code bundled once here (what the worker loads at start).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/prisma.js generate
RUN node --import tsx scripts/build-workflow-bundle.ts
ENV NODE_ENV=production
CMD ["node", "bin/duban.js", "worker"]
