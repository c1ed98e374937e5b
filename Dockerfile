# walink image: wa-worker, wa-control and wa-probe on Debian 12.
# One image, two services (docker-compose.yml): the command picks the binary.
# The WhatsApp simulator and the tests are not shipped.
#
#   docker build -t walink .
#   docker compose up -d        (or docker-compose up -d)

# ---- build: compilers, -dev packages, cmake -------------------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libwebsockets-dev libsodium-dev libssl-dev zlib1g-dev \
        libprotobuf-c-dev protobuf-c-compiler \
        libcivetweb-dev libjansson-dev libnanomsg-dev \
        libsignal-protocol-c-dev libqrencode-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY proto/ proto/
COPY shared/ shared/
COPY session-worker/ session-worker/
COPY control-plane/ control-plane/
COPY tests/CMakeLists.txt tests/
COPY tests/support/ tests/support/
# Only the three shipped programs; tests and tools stay out of the image.
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null \
 && cmake --build build -j "$(nproc)" --target wa-worker wa-control wa-probe \
 && install -D -m 0755 -s build/session-worker/wa-worker /out/wa-worker \
 && install -D -m 0755 -s build/control-plane/wa-control /out/wa-control \
 && install -D -m 0755 -s build/shared/wa-probe /out/wa-probe

# ---- runtime: the shared libraries only -----------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        libwebsockets17 libsodium23 libssl3 zlib1g libprotobuf-c1 \
        libcivetweb1 libjansson4 libnanomsg5 libsignal-protocol-c2.3.2 \
        libqrencode4 libcurl4 \
 && rm -rf /var/lib/apt/lists/*
# One unprivileged user for both services. The directories are created
# here so named volumes start with this owner and these modes: the data
# 0700 (session keys), the IPC directory 0750 (the worker refuses a
# group- or world-writable one).
RUN groupadd --system --gid 10001 walink \
 && useradd --system --uid 10001 --gid walink --home-dir /var/lib/walink \
        --shell /usr/sbin/nologin walink \
 && install -d -o walink -g walink -m 0700 /var/lib/walink /var/lib/walink-control \
 && install -d -o walink -g walink -m 0750 /run/walink
COPY --from=build /out/ /usr/local/bin/
COPY scripts/docker/entrypoint /usr/local/bin/walink-entrypoint
USER walink:walink
WORKDIR /var/lib/walink
# Defaults for the worker and for wa-probe inside the worker's container.
ENV WA_DATA=/var/lib/walink \
    WA_IPC=ipc:///run/walink/worker.rpc \
    WA_EVENTS=ipc:///run/walink/worker.events
STOPSIGNAL SIGTERM
ENTRYPOINT ["walink-entrypoint"]
CMD ["wa-worker"]
