#!/usr/bin/env bash
# Checks that every tracked C++ source follows the repo's .clang-format (clang-format 14, the
# Debian 12 package). `--fix` rewrites the files instead. CI runs the check (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format not installed (scripts/deps.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files -- 'app/*.cpp' 'app/*.h' 'server/*.cpp' 'server/*.h' \
    'shared/*.cpp' 'shared/*.h' 'bench/*.cpp' 'bench/*.h' 'tests/*.cpp' 'tests/*.h' \
    'tools/*.cpp' 'tools/*.h')
if [ "${1:-}" = "--fix" ]; then
    clang-format -i -- "${files[@]}"
    exit 0
fi
if ! clang-format --dry-run --Werror -- "${files[@]}" 2>/tmp/check-format.$$; then
    grep -E '^[^ ].*: (error|warning):' /tmp/check-format.$$ | cut -d: -f1 | sort | uniq -c \
        | awk '{print "check-format: " $2 ": " $1 " difference(s)"}' >&2
    rm -f /tmp/check-format.$$
    echo "check-format: run scripts/check-format.sh --fix (or git clang-format on your change)" >&2
    exit 1
fi
rm -f /tmp/check-format.$$
echo "check-format: ${#files[@]} files follow .clang-format"
