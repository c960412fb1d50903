# routeyard: the controller as a container (ECS Fargate), or a one-shot CI job.
# Build:  docker build -t routeyard .
# Run the controller (the default command):
#         docker run --rm -p 8080:8080 -e AWS_REGION=eu-west-1 -e ROUTEYARD_SOURCE=ssm:/routeyard/qa/routeset routeyard --lease-table routeyard-lease
# One shot in CI:
#         docker run --rm -e AWS_REGION=eu-west-1 routeyard --reconcile-once --source ssm:/routeyard/qa/routeset
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only: the SDK clients, zod, pino, p-retry.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schema ./schema
USER node
EXPOSE 8080
# Liveness: the controller's /healthz (node:24-slim has no curl; Node's fetch does).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# --max-semi-space-size=8 (MiB): V8 otherwise lets the young generation grow to 2 x 64 MiB
# of mostly garbage when a process allocates fast, as a pass over 1,000 services does (every
# listing parsed, the observed state, the plan, the report), and keeps it. With the cap and the
# collection the controller runs after its passes (src/run/memory.ts), 1,000 services stay
# under 256 MiB resident; with neither, they reached 544 MiB, over the 512 MiB task (issue 18;
# bench/scale.ts runs the controller with this line's flags; the figures, each measured, are
# in the README's "At scale" and docs/aws-calls-and-cost.md).
ENTRYPOINT ["node", "--max-semi-space-size=8", "bin/routeyard.js"]
# No mode flag: the controller. The source comes from ROUTEYARD_SOURCE or --source.
CMD []
