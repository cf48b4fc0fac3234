#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only those that are missing:
#   chromium + chromium-driver  the web app's end-to-end tests (headless, /usr/bin/chromium)
#   poppler-utils               pdftotext / pdftoppm for the report tests
#   libpango + fonts            WeasyPrint's text layout; Noto and DejaVu for Latin, Arabic, ...
#   a Java runtime              PySpark in local mode (observation roll-ups)
#   wrk                         the web load benchmark (benchmarks/bench_web.py)
# PostgreSQL is installed by scripts/pg-cluster.sh when it starts a server.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done

if [ "${#need[@]}" -gt 0 ]; then
  echo "Installing Debian packages the tests need: ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
