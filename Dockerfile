# Bounceback in a container: a Debian 12 build stage that makes the .deb (cpack), and a small
# debian:12-slim runtime that installs it with apt (its Depends bring exactly the shared
# libraries the binary links) and runs as a non-root user.
#   docker build -t bounceback .
#   docker run --rm -p 127.0.0.1:1025:1025 -p 127.0.0.1:8025:8025 bounceback [--scenario greylisting]
#   docker run --rm bounceback --help | explain 550 | scenarios | check FILE
# docker/entrypoint.sh serves on 0.0.0.0 (SMTP 1025, SMTPS 1465, HTTP 8025) unless the
# arguments are a verb; docker/healthcheck.sh follows the --http the server was given.

FROM debian:12 AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config file \
      libboost1.81-dev libboost-json1.81-dev libssl-dev libtomlplusplus-dev libre2-dev \
      libhiredis-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt README.md CHANGELOG.md LICENSE ./
COPY cmake cmake
COPY docs docs
COPY scenarios scenarios
COPY web web
COPY src src
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBOUNCEBACK_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target bounceback \
 && cd /build && cpack -G DEB && mv bounceback_*.deb /bounceback.deb

FROM debian:12-slim
COPY --from=build /bounceback.deb /tmp/
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/bounceback.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/bounceback.deb \
 && useradd --system --uid 10025 --home-dir /var/lib/bounceback --create-home bounceback
COPY docker/entrypoint.sh /usr/local/bin/bounceback-entrypoint
COPY docker/healthcheck.sh /usr/local/bin/bounceback-healthcheck
USER bounceback
WORKDIR /var/lib/bounceback
EXPOSE 1025 1465 8025
HEALTHCHECK --interval=5s --timeout=3s --retries=10 CMD ["bounceback-healthcheck"]
ENTRYPOINT ["bounceback-entrypoint"]
CMD []
