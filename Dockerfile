# mfa-auditor: a release build in a slim runtime image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p mfa-auditor

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app mfa-auditor
WORKDIR /app
COPY --from=build /src/target/release/mfa-auditor /usr/local/bin/mfa-auditor
COPY config ./config
USER mfa-auditor
ENTRYPOINT ["mfa-auditor"]
CMD ["sweep"]
