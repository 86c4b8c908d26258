#!/usr/bin/env bash
# Installs what the tests need on a bare Debian 12 machine with the Swift
# toolchain, then builds Sealcast and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# ffmpeg, GStreamer (rtmp2sink) and rtmpdump (librtmp) are the real clients of the end-to-end tests,
# nginx with its RTMP module is the reference peer server, and testssl.sh checks the TLS policy.
packages=(ffmpeg libssl-dev pkg-config openssl python3-venv rtmpdump gstreamer1.0-tools gstreamer1.0-plugins-good
    gstreamer1.0-plugins-bad nginx libnginx-mod-rtmp testssl.sh)
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

# A modern ffmpeg with Enhanced RTMP (HEVC, AV1, VP9, Opus, multitrack) comes from PyPI:
# imageio-ffmpeg 0.8.1 carries an ffmpeg 9.0.2 binary in its wheel.
if [ ! -x .venv-ff9/bin/python ]; then
    python3 -m venv .venv-ff9
fi
if ! .venv-ff9/bin/python -c "import imageio_ffmpeg" 2>/dev/null; then
    .venv-ff9/bin/pip install --quiet imageio-ffmpeg==0.8.1
fi
SEALCAST_FFMPEG9=$(.venv-ff9/bin/python -c "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())")
export SEALCAST_FFMPEG9

swift build --build-tests

# Fuzz targets (Fuzz/): build them with libFuzzer and AddressSanitizer, replay Fuzz/Corpus and
# Fuzz/FailCases once, then fuzz each target for SEALCAST_FUZZ_SECONDS seconds (20 by default).
scripts/fuzz.sh "${SEALCAST_FUZZ_SECONDS:-20}"

# Swift Testing prints its own summary; the plain "N passed, N failed" line after it is
# for tools that read only that form. XCTest reports 0 tests because every test uses Swift Testing.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build --no-parallel "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -v '^✔ Test run ' "$log" | grep -c '^✔ Test .* passed after' || true)
failed=$(grep -v '^✘ Test run ' "$log" | grep -c '^✘ Test .* failed after' || true)
echo "$passed passed, $failed failed"
exit "$status"
