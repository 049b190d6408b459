# Bounceback in a container: a Debian 12 build stage with the same packages as .ci/install-deps,
# and a small debian:12-slim runtime that runs as a non-root user.
#   docker build -t bounceback .
#   docker run --rm -p 1025:1025 -p 1465:1465 -p 8025:8025 bounceback [--scenario greylisting]

FROM debian:12 AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libssl-dev libtomlplusplus-dev libre2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY scenarios scenarios
COPY src src
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBOUNCEBACK_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target bounceback \
 && strip /build/bounceback

FROM debian:12-slim
# Only the shared libraries the binary links (ldd): OpenSSL, RE2, Boost.JSON, toml++.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libssl3 libre2-9 libboost-json1.81.0 libboost-container1.81.0 libtomlplusplus3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10025 --home-dir /var/lib/bounceback --create-home bounceback
COPY --from=build /build/bounceback /usr/local/bin/bounceback
USER bounceback
WORKDIR /var/lib/bounceback
EXPOSE 1025 1465 8025
# No curl in the slim image: bash's /dev/tcp asks GET /healthz.
HEALTHCHECK --interval=5s --timeout=3s --retries=10 CMD ["bash", "-c", \
  "exec 3<>/dev/tcp/127.0.0.1/8025 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["bounceback", "serve", "--smtp", "0.0.0.0:1025", "--smtps", "0.0.0.0:1465", "--http", "0.0.0.0:8025"]
CMD []
