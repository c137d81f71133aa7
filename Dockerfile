# exfilguard in a container: `run` (the streaming detector) by default, any other
# command by arguments, e.g. `docker run … exfilguard:local simulate`. Two stages:
# the TypeScript build with every dependency, then a runtime holding only the built
# code, the shipped rules and the production dependencies, run as the unprivileged
# `node` user with its own code read-only to it.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
# No install scripts: the build needs tsc only, and nothing else runs code at install.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
# dist/src with the Lua scripts beside the code; rules/ and package.json are how the
# CLI finds its shipped rules and version (src/package.ts walks up to them).
COPY --from=build /build/dist/src ./dist/src
COPY rules ./rules
USER node
EXPOSE 9477
# Liveness on /healthz; slim images have no curl, Node 20 has fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.EXFILGUARD_HTTP_PORT||9477)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["run"]
