# mfa-auditor: a release build in a slim runtime image. `docker build -t mfa-auditor .`; the
# context is what .dockerignore lets through (the workspace's sources, migrations and config).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p mfa-auditor

FROM debian:bookworm-slim
# Not pinned (hadolint's DL3008): Debian's archive keeps one version of a stable package, so a
# pinned one fails the build at its next security update. Pin the base image by digest instead
# for a reproducible image.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home /app mfa-auditor \
    && install -d -o mfa-auditor -g mfa-auditor -m 0700 /var/lib/mfa-auditor
WORKDIR /app
COPY --from=build /src/target/release/mfa-auditor /usr/local/bin/mfa-auditor
COPY config ./config
# Results spooled while the database is away; mount a volume here to keep them.
ENV MFA_AUDITOR__STORE__SPOOL_DIR=/var/lib/mfa-auditor/spool
VOLUME /var/lib/mfa-auditor
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001
ENTRYPOINT ["mfa-auditor"]
CMD ["serve"]
