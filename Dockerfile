# routeyard: the reconciler as a container (ECS Fargate or a CI job).
# Build:  docker build -t routeyard .
# Run:    docker run --rm -e AWS_REGION=eu-west-1 routeyard --reconcile-once --source ssm:/routeyard/qa/routeset
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
ENTRYPOINT ["node", "bin/routeyard.js"]
CMD ["--help"]
