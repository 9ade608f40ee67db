# goldwatch: one image that runs `goldwatch serve` under Bun (the pinned one, started by bin/goldwatch.js).
#   docker build -t goldwatch .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... -v $PWD/deploy:/app/config:ro goldwatch
# The config folder (goldwatch.config.yaml and its golden sets) is mounted at /app/config.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080

# Dependencies first (their layer is reused while only the sources change). Bun itself comes
# from the lockfile (the `bun` package), so the image runs the version the tests ran. Install
# scripts wait (`prepare` builds from the sources, copied below) but for Bun's and esbuild's,
# which put their binaries in place.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild bun esbuild && npm cache clean --force

# The build: dist/, what the launcher runs (on Bun, or on Node where Bun cannot run).
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
RUN npm run build
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

# Exec form: the launcher is PID 1 and passes SIGTERM on to goldwatch, on Bun as its child (graceful
# shutdown within shutdown_grace), then exits as it did; on a CPU that Bun was not built for,
# goldwatch runs on Node instead of crash-looping.
CMD ["bin/goldwatch", "serve", "--config", "config/goldwatch.config.yaml"]
