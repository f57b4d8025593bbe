#!/bin/sh
# check-symbols.sh - no global symbol of ours may sit in a library's name
# space (ClearSilver, libetpan, GLib/GMime, libpq, Check): a clash would
# silently pick one definition at link time.
set -eu
lib=${1:-lib/.libs/libmailhive.a}
[ -f "$lib" ] || { echo "check-symbols: $lib not built"; exit 1; }
bad=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' |
	grep -E '^(hdf_|cs_|cgi_|nerr_|neos_|string_|mail|clist_|mmap_string_|g_|PQ|ck_|suite_|tcase_|srunner_)' || true)
count=$(nm -g --defined-only "$lib" | awk 'NF == 3' | wc -l)
if [ -n "$bad" ]; then
	echo "check-symbols: symbols in a library's name space:"
	echo "$bad"
	echo "check-symbols: 0 passed, 1 failed"
	exit 1
fi
echo "check-symbols: $count global symbols, none clash"
