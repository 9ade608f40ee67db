# goldwatch: one image that runs `goldwatch serve` under Bun.
#   docker build -t goldwatch .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... -v $PWD/deploy:/app/config:ro goldwatch
# The config folder (goldwatch.config.yaml and its golden sets) is mounted at /app/config.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080

# Dependencies first (their layer is reused while only the sources change). Bun itself comes
# from the lockfile (the `bun` package), so the image runs the version the tests ran.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
# The demo config, used when nothing is mounted over /app/config.
COPY goldwatch.config.yaml ./config/goldwatch.config.yaml
COPY golden ./config/golden

# Non-root; the config folder is writable only for the embedded database of the demo
# (production sets DATABASE_URL and may mount the config read-only).
RUN chown node:node /app/config
USER node

EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: Bun is PID 1 and receives SIGTERM itself (graceful shutdown within shutdown_grace).
CMD ["node_modules/.bin/bun", "bin/goldwatch.js", "serve", "--config", "config/goldwatch.config.yaml"]
