#!/bin/sh
# run.sh - build the libFuzzer targets in tests/fuzz and run each one for a
# bounded time on a scratch copy of its seed corpus.
#
#   usage: tests/fuzz/run.sh SECONDS [OUTDIR]
#
# Each tests/fuzz/fuzz-NAME.c lists the sources it needs on one line
#   fuzz-sources: lib/a.c lib/b.c backend/smtpd/c.c
# and the directory of each is added to the include path. A target that
# needs a library names it on a line of its own
#   fuzz-libs: -lgumbo
# and the pkg-config packages whose flags it needs on a third:
#   fuzz-pkg: gmime-3.0
# which is added to the link.
# Its seeds live in tests/fuzz/corpus/NAME/ (never written to; the
# fuzzer works on a copy). Crash, leak and timeout inputs are written to
# OUTDIR as NAME-crash-<sha1> and so on; without OUTDIR a temporary
# directory is used and kept only when something was found. Build products
# and logs go to a temporary directory that is removed on exit, so nothing
# lands in the source tree.
#
# Environment: CC (default clang), FUZZ_MAX_LEN (default 8192 bytes).
# Exit status: 0 when every target ran clean, 1 when a fuzzer found a
# problem or a target failed to build, 2 on bad usage.
set -u

usage() {
	echo "usage: $0 SECONDS [OUTDIR]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
secs=$1
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ "$secs" -gt 0 ] || usage

# OUTDIR is relative to the caller's directory, so resolve it first
if [ $# -eq 2 ]; then
	mkdir -p "$2" || exit 1
	out=$(cd "$2" && pwd) || exit 1
	out_is_temp=0
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/mh-fuzz-out.XXXXXX") || exit 1
	out_is_temp=1
fi

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$root" || exit 1

CC=${CC:-clang}
max_len=${FUZZ_MAX_LEN:-8192}
work=$(mktemp -d "${TMPDIR:-/tmp}/mh-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
: >"$work/config.h"	# lib sources include "config.h"; none is needed

failed=0
found=0
for target in tests/fuzz/fuzz-*.c; do
	[ -e "$target" ] || continue
	name=$(basename "$target" .c)
	name=${name#fuzz-}
	srcs=$(sed -n 's/.*fuzz-sources:[[:space:]]*//p' "$target" |
		head -n 1 | sed 's/\*\/.*//')
	libs=$(sed -n 's/.*fuzz-libs:[[:space:]]*//p' "$target" |
		head -n 1 | sed 's/\*\/.*//')
	pkgs=$(sed -n 's/.*fuzz-pkg:[[:space:]]*//p' "$target" |
		head -n 1 | sed 's/\*\/.*//')
	if [ -n "$pkgs" ]; then
		# shellcheck disable=SC2086 # a list of package names
		libs="$libs $(pkg-config --cflags --libs $pkgs)"
	fi
	bin=$work/fuzz-$name
	log=$work/$name.log
	# each source's directory is an include directory (backend/ headers)
	incs=$(for src in $srcs; do dirname "$src"; done | sort -u |
		sed 's/^/-I /' | tr '\n' ' ')

	echo "fuzz: building $name"
	# shellcheck disable=SC2086 # srcs and libs are word lists on purpose
	if ! "$CC" -g -O1 -std=gnu11 \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
		-I lib $incs -I "$work" $srcs "$target" -o "$bin" $libs; then
		echo "fuzz: $name: build failed" >&2
		failed=1
		continue
	fi

	corpus=$work/corpus-$name
	mkdir -p "$corpus"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$corpus/"
	fi

	echo "fuzz: running $name for ${secs}s"
	: >"$work/start-$name"	# older inputs in OUTDIR are not ours
	sleep 1
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$bin" -max_total_time="$secs" -max_len="$max_len" \
		-timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/$name-" "$corpus" >"$log" 2>&1
	rc=$?

	runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' \
		"$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' \
		"$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" |
		tail -n 1)
	[ -n "$runs" ] || runs=0
	rate=$(sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$rate" ] || rate=$((runs / secs))

	crashes=$(find "$out" -maxdepth 1 -type f -name "$name-*" \
		-newer "$work/start-$name" | wc -l)
	crashes=$((crashes + 0))
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1	# died without leaving an input behind
	fi
	if [ "$crashes" -ne 0 ]; then
		found=1
		echo "fuzz: $name: fuzzer exit status $rc; log tail:" >&2
		tail -n 60 "$log" >&2
		echo "fuzz: $name: inputs kept in $out" >&2
	fi
	echo "fuzz: $name $runs runs, $crashes crashes ($rate runs/s)"
done

if [ "$found" -eq 0 ] && [ "$out_is_temp" -eq 1 ]; then
	rm -rf "$out"
fi
if [ "$failed" -ne 0 ] || [ "$found" -ne 0 ]; then
	exit 1
fi
exit 0
