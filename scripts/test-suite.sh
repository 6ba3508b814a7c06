#!/usr/bin/env bash
# Every check `make test` runs, with the servers already up (see storyportal.launcher exec).
# Runs them all, then exits non-zero if any failed.
set -u
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=storyportal.settings.test
bin=.venv/bin
failed=()

step() {
  local name=$1; shift
  echo "==> $name"
  if ! "$@"; then failed+=("$name"); fi
}

step "ruff check" "$bin/ruff" check .
step "ruff format --check" "$bin/ruff" format --check .
step "makemigrations --check" "$bin/python" manage.py makemigrations --check --dry-run
step "mypy" "$bin/mypy" storyportal apps
step "pytest" "$bin/pytest" "$@"

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "All checks passed."
