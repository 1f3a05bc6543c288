#!/usr/bin/env bash
# Installs the PyTorch reference for `npm run bench` from Debian's packages (python3-torch, no MKL).
set -euo pipefail
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then exit 0; fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch
