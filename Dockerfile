# bench as a small container image for bench k8s (docs/distributed.md):
#   docker build -t REGISTRY/throttlebench:TAG .
# The binary is static (CGO_ENABLED=0) and runs as distroless's nonroot
# user (65532) on a root file system with nothing else: no shell, no
# package manager. Credentials come only from the pod's role (IRSA or EKS
# Pod Identity); the image holds none.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -buildvcs=false: the build context has no .git; bench version then
# reports the module version "(devel)".
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false -ldflags='-s -w' -o /out/bench ./cmd/bench

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bench /bench
COPY scenarios /scenarios
USER 65532:65532
ENTRYPOINT ["/bench"]
CMD ["help"]
