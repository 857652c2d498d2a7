#!/usr/bin/env bash
# Rewrites the expected files of tests/golden (generated code and model dumps) from the midlc built in
# build/, then shows what changed: every change to generated code is a diff to read before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake --build "$build" --target codegen_tests frontend_tests
MIDLC_UPDATE_GOLDEN=1 "$build/tests/unit/codegen/codegen_tests" --gtest_filter='Cases/GoldenCode.*' >/dev/null || true
MIDLC_UPDATE_GOLDEN=1 "$build/tests/unit/frontend/frontend_tests" --gtest_filter='Files/GoldenModel.*' >/dev/null || true
git status --short tests/golden
git diff --stat tests/golden
