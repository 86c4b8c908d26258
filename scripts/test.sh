#!/usr/bin/env bash
# Installs what the tests need on a bare Debian 12 machine with the Swift
# toolchain, then builds Sealcast and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# ffmpeg, GStreamer (rtmp2sink) and rtmpdump (librtmp) are the real clients of the end-to-end tests.
packages=(ffmpeg libssl-dev pkg-config openssl rtmpdump gstreamer1.0-tools gstreamer1.0-plugins-good
    gstreamer1.0-plugins-bad)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift build --build-tests
swift test --skip-build --no-parallel "$@"
