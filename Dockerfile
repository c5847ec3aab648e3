# syntax=docker/dockerfile:1
# forkwatch container image. Build:   docker build -t forkwatch .
# Run (watching the host's Jenkins; why each flag: docs/operations.md#container):
#   docker run -d --name forkwatch --pid=host \
#     --user 0:0 --cap-drop ALL --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
#     --security-opt no-new-privileges --security-opt apparmor=unconfined \
#     --read-only --tmpfs /tmp -v forkwatch-state:/var/lib/forkwatch \
#     -v /proc:/host/proc:ro -e FORKWATCH_PROC_ROOT=/host/proc \
#     -v /etc/forkwatch/token:/run/secrets/forkwatch-token:ro \
#     -e FORKWATCH_AUTH_TOKEN_FILE=/run/secrets/forkwatch-token \
#     -p 9710:9710 forkwatch
# CI builds it with podman and runs it against a deadlocked process on the
# host (test/deploy/container.test.ts); no registry is reachable there, so it
# builds FROM a base made locally: --build-arg BASE_IMAGE="$(scripts/container-base.sh)".

# One pinned Node 20 image for every stage (the version the tests run on).
# To pin by digest as well: docker buildx imagetools inspect node:20.20.2-bookworm-slim
# and build with --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
# Any Debian bookworm image with Node 20, npm and node's headers in /usr/local
# (the layout of the official image); scripts/container-base.sh makes one.
ARG BASE_IMAGE=${NODE_IMAGE}
# Where the npm registry is reached through a TLS-inspecting proxy, hand its CA
# to npm as a build secret (never stored in a layer):
#   --secret id=build-ca,src=/etc/ssl/certs/ca-certificates.crt

# ---- build: all dependencies, compile TypeScript ---------------------------
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# tsc needs no native module: install scripts (better-sqlite3's compile,
# esbuild's binary) are for the prod-deps stage and the tests, not for this one.
RUN --mount=type=secret,id=build-ca \
    if [ -f /run/secrets/build-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build-ca; fi \
 && npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- prod-deps: production dependencies only (native modules built here) ---
FROM ${BASE_IMAGE} AS prod-deps
# better-sqlite3 falls back to node-gyp when no prebuilt binary fits (always
# where GitHub is unreachable); node-gyp takes node's headers from /usr/local
# instead of downloading them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=build-ca \
    if [ -f /run/secrets/build-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build-ca; fi \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf node_modules/better-sqlite3/build/Release/obj* node_modules/better-sqlite3/build/Release/.deps \
    node_modules/better-sqlite3/build/Release/test_extension.node node_modules/better-sqlite3/deps

# ---- runtime-root: the runtime's files, assembled as root ---------------------
FROM ${BASE_IMAGE} AS runtime-root
# elfutils (eu-stack) and gdb-minimal (gdb without Python, 50 MB less): the
# stack capture backends; procps: ps. npm (with its node-gyp), yarn, corepack
# and node's headers are for building only: deleted here, and gone from the
# image because the runtime stage below copies this stage's files flat.
RUN apt-get update \
 && apt-get install -y --no-install-recommends elfutils gdb-minimal procps \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && rm -rf /usr/local/lib/node_modules /usr/local/include/node /opt/yarn-* \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && groupadd --system --gid 10001 forkwatch \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/forkwatch --shell /usr/sbin/nologin forkwatch \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/forkwatch
WORKDIR /opt/forkwatch
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY signatures ./signatures
# The operator docs the daemon serves at /docs/ (the alert rules' runbook_url).
COPY docs ./docs
COPY deploy/examples/forkwatch.yml /etc/forkwatch/forkwatch.yml

# ---- runtime: no compiler, no npm, no dev dependencies ------------------------
FROM scratch AS runtime
COPY --from=runtime-root / /
WORKDIR /opt/forkwatch

# Inside a container the API must listen beyond loopback to be scraped; set
# auth.tokenFile (FORKWATCH_AUTH_TOKEN_FILE) for the endpoints that change state.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    FORKWATCH_LISTEN_HOST=0.0.0.0 \
    FORKWATCH_LISTEN_PORT=9710 \
    FORKWATCH_STATE_DIR=/var/lib/forkwatch \
    GLIBC_TUNABLES=glibc.malloc.trim_threshold=65536:glibc.malloc.top_pad=0
VOLUME ["/var/lib/forkwatch"]
EXPOSE 9710

# Unprivileged by default. Watching another user's JVM needs --user 0:0 with
# only SYS_PTRACE + DAC_READ_SEARCH, or --user <the Jenkins uid> (see docs).
USER 10001:10001

# slim images have no curl: Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FORKWATCH_LISTEN_PORT||9710)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node flags (and GLIBC_TUNABLES above): src/daemon/node-flags.ts says why (RSS).
ENTRYPOINT ["node", "--v8-pool-size=1", "--max-semi-space-size=1", "--expose-gc", "--bytecode-old-age=1", "--flush-baseline-code", "--heap-growing-percent=25", "--no-allocation-site-pretenuring", "/opt/forkwatch/dist/cli/index.js"]
CMD ["run", "--config", "/etc/forkwatch/forkwatch.yml"]
