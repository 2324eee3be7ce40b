# syntax=docker/dockerfile:1
# Multi-stage build of the monsys hub. The image runs against an external
# PostgreSQL/TimescaleDB (MONSYS_DATABASE_URL); see docker-compose.yml.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/monsys ./cmd/monsys

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/monsys /usr/local/bin/monsys
ENV MONSYS_LISTEN=:8080 MONSYS_DATA_DIR=/var/lib/monsys
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/monsys"]
CMD ["serve"]
