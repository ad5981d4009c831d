#!/usr/bin/env bash
# What the tests and the release build need from Debian, on a fresh Debian 12 machine or container
# (run as root; .ci/run and both GitHub workflows call it):
#   chromium             the browser tests
#   podman, runc         the container image (build and test)
#   binutils             strip, readelf (the executables' size, the image's libraries)
#   binutils-aarch64-linux-gnu   aarch64-linux-gnu-strip for the arm64 executable
#   qemu-user-static     qemu-aarch64-static, to run the arm64 executable in the tests
#   git, ca-certificates, xz-utils   the git install test; HTTPS to the registries
# and Debian's arm64 packages enabled, so that `apt-get download libc6:arm64 ...` finds the arm64
# image's libraries (scripts/build/runtime-libs.mjs).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(chromium podman runc binutils binutils-aarch64-linux-gnu qemu-user-static git ca-certificates xz-utils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query --show --showformat='${Status}' "$package" 2> /dev/null | grep -q 'install ok installed' || missing+=("$package")
done
added_arch=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  added_arch=1
fi
if [ "${#missing[@]}" -gt 0 ] || [ "$added_arch" = 1 ] || ! apt-cache show libc6:arm64 > /dev/null 2>&1; then
  apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
