#!/usr/bin/env bash
# Installs what Nagare needs to build, run and test, only where it is missing:
# Debian packages (librdkafka-dev, kcat, pkg-config, curl) and a Python venv (.venv) with the real
# Kafka clients the integration tests use. Safe to run again; quick when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s librdkafka-dev >/dev/null 2>&1 || need_apt+=(librdkafka-dev)
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The dashboard test drives a real browser: Debian's chromium through its chromedriver.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: 'swift' is not on PATH; install Swift 6.1 or newer (swift.org) first" >&2
  exit 1
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
# The versions are pinned so that every machine tests against the same client behaviour.
if ! .venv/bin/python -c "import confluent_kafka, kafka, pytest, pydruid, prometheus_client, selenium" >/dev/null 2>&1; then
  echo "setup: installing Python test clients into .venv" >&2
  .venv/bin/pip install -q --disable-pip-version-check -r Tests/Integration/requirements.txt
fi
