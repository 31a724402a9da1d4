#!/usr/bin/env bash
# usage: bench/ci_scenario.sh TREE LABEL
# Times one code tree (a checkout of sitegen) on a copy of a generated 10,000-story corpus in
# /tmp/cibench/a (python3 -c "from pathlib import Path; from bench.corpus import generate;
# generate(Path('/tmp/cibench/a'), 10000)"): cold, no change, two body edits, and the CI case:
# a fresh folder with the cache restored, new modification times, no output, one story edited.
# Run it for two trees back to back to compare them in the same conditions.
set -eu
TREE=$1; LABEL=$2; B=/tmp/cibench/$LABEL
export SITEGEN_NOW=2026-12-01T12:00:00+00:00
rm -rf $B; mkdir -p $B; cp -r /tmp/cibench/a/content /tmp/cibench/a/sitegen.toml /tmp/cibench/a/static $B/ 2>/dev/null || cp -r /tmp/cibench/a/content /tmp/cibench/a/sitegen.toml $B/
t() { local s=$(date +%s.%N); (cd $TREE && python3 -m sitegen build -q -s $B "$@" >/dev/null 2>&1) || echo "  (exit $?)"; echo "$(echo "$(date +%s.%N) - $s" | bc)"; }
echo "$LABEL cold: $(t)"
echo "$LABEL no change: $(t)"
f=$(find $B/content/articles -name '*.md' | sort | sed -n 5p)
printf '\nAn added paragraph for the edit.\n' >> "$f"
echo "$LABEL edit body: $(t)"
printf '\nA second added paragraph.\n' >> "$f"
echo "$LABEL edit body again: $(t)"
# CI: restored cache, fresh checkout (new mtimes), no output, one story edited
C=$B-ci; rm -rf $C; mkdir $C; cp -r $B/content $B/sitegen.toml $C/; [ -d $B/static ] && cp -r $B/static $C/; cp -a $B/.sitegen-cache $C/
printf '\nA third added paragraph.\n' >> "$C/${f#$B/}"
s=$(date +%s.%N); (cd $TREE && python3 -m sitegen build -q -s $C >/dev/null 2>&1) || echo "  (exit $?)"; echo "$LABEL ci restored cache, no output, one edit: $(echo "$(date +%s.%N) - $s" | bc)"
du -sh $B/.sitegen-cache | sed "s/^/$LABEL cache size: /"
