# FaxDrop gateway image: faxdrop (daemon, CLI) and faxdrop-render (renderer workers).
# Build stage: the swift.org toolchain image on Debian 12; runtime: Debian 12 slim with
# only the shared libraries the two executables load.
FROM swift:6.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libinotifytools0-dev libgs-dev libtiff-dev \
      libpng-dev libjpeg-dev nettle-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product faxdrop --static-swift-stdlib \
 && swift build -c release --product faxdrop-render --static-swift-stdlib \
 && install -D .build/release/faxdrop /out/faxdrop \
 && install -D .build/release/faxdrop-render /out/faxdrop-render

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libinotifytools0 libgs10 libtiff6 libpng16-16 libjpeg62-turbo \
      libnettle8 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/spool/faxdrop --shell /usr/sbin/nologin faxdrop
COPY --from=build /out/ /usr/local/bin/
USER faxdrop
ENV FAXDROP_SPOOL=/var/spool/faxdrop
VOLUME /var/spool/faxdrop
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/faxdrop"]
CMD ["run"]
