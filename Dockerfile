# mfa-auditor: a release build in a slim runtime image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p mfa-auditor

FROM debian:bookworm-slim
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
