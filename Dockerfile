# syntax=docker/dockerfile:1
# forkwatch container image. Build:   docker build -t forkwatch .
# Run (watching the host's Jenkins; why each flag: docs/operations.md#container):
#   docker run -d --name forkwatch --pid=host \
#     --user 0:0 --cap-drop ALL --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
#     --security-opt no-new-privileges --security-opt apparmor=unconfined \
#     --read-only --tmpfs /tmp -v forkwatch-state:/var/lib/forkwatch \
#     -v /etc/forkwatch/token:/run/secrets/forkwatch-token:ro \
#     -e FORKWATCH_AUTH_TOKEN_FILE=/run/secrets/forkwatch-token \
#     -p 9710:9710 forkwatch
# No Docker engine runs in this project's CI: test/deploy/docker.test.ts checks
# this file's structure only.

# One pinned Node 20 image for every stage (the version the tests run on).
# To pin by digest as well: docker buildx imagetools inspect node:20.20.2-bookworm-slim
# and build with --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: all dependencies, compile TypeScript ---------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 falls back to node-gyp when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- prod-deps: production dependencies only (native modules built here) ---
FROM ${NODE_IMAGE} AS prod-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: no compiler, no dev dependencies ------------------------------
FROM ${NODE_IMAGE} AS runtime
# elfutils (eu-stack) and gdb: the stack capture backends; procps: ps.
RUN apt-get update \
 && apt-get install -y --no-install-recommends elfutils gdb procps \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 forkwatch \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/forkwatch --shell /usr/sbin/nologin forkwatch \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/forkwatch
WORKDIR /opt/forkwatch
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY signatures ./signatures
COPY deploy/examples/forkwatch.yml /etc/forkwatch/forkwatch.yml

# Inside a container the API must listen beyond loopback to be scraped; set
# auth.tokenFile (FORKWATCH_AUTH_TOKEN_FILE) for the endpoints that change state.
ENV NODE_ENV=production \
    FORKWATCH_LISTEN_HOST=0.0.0.0 \
    FORKWATCH_LISTEN_PORT=9710 \
    FORKWATCH_STATE_DIR=/var/lib/forkwatch
VOLUME ["/var/lib/forkwatch"]
EXPOSE 9710

# Unprivileged by default. Watching another user's JVM needs --user 0:0 with
# only SYS_PTRACE + DAC_READ_SEARCH, or --user <the Jenkins uid> (see docs).
USER 10001:10001

# slim images have no curl: Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FORKWATCH_LISTEN_PORT||9710)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node flags: src/daemon/node-flags.ts says why (RSS).
ENTRYPOINT ["node", "--v8-pool-size=1", "--max-semi-space-size=1", "--expose-gc", "--bytecode-old-age=1", "--flush-baseline-code", "--compact-on-every-full-gc", "/opt/forkwatch/dist/cli.js"]
CMD ["run", "--config", "/etc/forkwatch/forkwatch.yml"]
