#!/usr/bin/env bash
# Installs the real services the integration tests run against (idempotent):
#  - OpenStack Swift with s3api + versioning (Debian packages), the S3 server with versions;
#  - DynamoDB Local, from the npm package that ships Amazon's jar, and Java 17 to run it.
set -euo pipefail
cd "$(dirname "$0")/../.."
need_apt=()
command -v swift-proxy-server >/dev/null || need_apt+=(swift-proxy swift-object swift-container swift-account)
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ! -f .cache/dynamodb-local/package/emulator/DynamoDBLocal.jar ]; then
  mkdir -p .cache/dynamodb-local
  (cd .cache/dynamodb-local && npm pack --silent amplify-dynamodb-simulator@2.9.30 >/dev/null \
    && tar xzf amplify-dynamodb-simulator-2.9.30.tgz package/emulator && rm -f amplify-dynamodb-simulator-2.9.30.tgz)
fi
echo "test services installed: OpenStack Swift (s3api + versioning), Java $(java -version 2>&1 | head -1 | cut -d\" -f2), DynamoDB Local in .cache/dynamodb-local"
