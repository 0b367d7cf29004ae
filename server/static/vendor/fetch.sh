#!/usr/bin/env sh
# Vendor the browser libraries from the npm registry into server/static/vendor (no CDN at run
# time; the office network has no Internet). Run once with npm available, then commit the files:
#   server/static/vendor/fetch.sh            # ECharts 5.6.0 + Swagger UI 5.35.0 (for /docs)
#   ECHARTS=5.6.0 SWAGGER=5.35.0 server/static/vendor/fetch.sh
set -eu
ECHARTS="${ECHARTS:-5.6.0}"
SWAGGER="${SWAGGER:-5.35.0}"
HERE="$(cd "$(dirname "$0")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "echarts@${ECHARTS}" >/dev/null 2>&1
tar -xzf "echarts-${ECHARTS}.tgz" package/dist/echarts.min.js package/LICENSE
cp package/dist/echarts.min.js "$HERE/echarts.min.js"
cp package/LICENSE "$HERE/ECHARTS-LICENSE"
rm -rf package
npm pack --silent "swagger-ui-dist@${SWAGGER}" >/dev/null 2>&1
tar -xzf "swagger-ui-dist-${SWAGGER}.tgz" package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE
cp package/swagger-ui-bundle.js package/swagger-ui.css "$HERE/"
cp package/LICENSE "$HERE/SWAGGER-UI-LICENSE"
echo "echarts ${ECHARTS}, swagger-ui-dist ${SWAGGER} → $HERE"
