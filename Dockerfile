# syntax=docker/dockerfile:1
# Multi-stage build of the monsys hub. The image runs against an external
# PostgreSQL/TimescaleDB (MONSYS_DATABASE_URL); see docker-compose.yml.
# The dashboard's bundle (web/ui → web/dist), as `make assets` builds it.
FROM node:20-bookworm-slim AS ui
WORKDIR /src/web/ui
COPY web/ui/package.json web/ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ui ./
COPY web/dist/README.md ../dist/README.md
RUN node build.mjs

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
COPY --from=ui /src/web/dist ./web/dist
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/monsys ./cmd/monsys && \
    for arch in amd64 arm64; do \
      CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/dist/monsys-agent-linux-$arch ./cmd/monsys-agent || exit 1; \
    done

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/monsys /usr/local/bin/monsys
COPY --from=build /out/dist /usr/local/share/monsys/agent
ENV MONSYS_LISTEN=:8080 MONSYS_DATA_DIR=/var/lib/monsys MONSYS_AGENT_DIST_DIR=/usr/local/share/monsys/agent
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/monsys"]
CMD ["serve"]
