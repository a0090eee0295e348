# siphon as a container image: a static binary on a base with no shell and
# no package manager, running as a non-root user.
#
#   docker build -t siphon .
#   docker run --rm siphon version
#
# The build stage's Go matches go.mod's.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary that needs no libc in the image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/siphon ./cmd/siphon

# distroless/static: CA certificates, tzdata and /etc/passwd with the
# nonroot user (65532), nothing else: no shell, nothing to exec into.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/siphon /usr/local/bin/siphon
USER 65532:65532
# Profiles are mounted here (a ConfigMap in Kubernetes); siphon's own state
# (budget files, approvals) goes under the nonroot user's home.
ENV SIPHON_PROFILES=/profiles HOME=/home/nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/siphon"]
CMD ["--help"]
