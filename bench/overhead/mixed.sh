#!/bin/sh
# The mixed workload of the overhead benchmark: shell pipelines as a busy
# server's scripts run them (cron jobs, health checks, log rotation). Each
# iteration runs 8 programs, every one forked by this shell, reads system
# files, and writes one new file under the watched directory and two under
# the other. New files, not rewritten ones: ext4 flushes a file truncated and
# rewritten on close (auto_da_alloc), which would time the disk.
#   mixed.sh ITERATIONS WATCHED_DIR UNWATCHED_DIR TOKEN STOP_FILE
# Stops early once STOP_FILE exists (yb-workload's time limit). Prints the
# iterations done and the programs run.
set -eu
n=$1 watched=$2 other=$3 token=$4 stop=$5
i=0
while [ "$i" -lt "$n" ] && [ ! -e "$stop" ]; do
  ls -l /usr/bin | sort -k5 -n | tail -n 3 >"$other/$token-ls-$i"
  grep -c root /etc/passwd /etc/group >"$other/$token-grep-$i" || true
  sha256sum "$other/$token-ls-$i" >"$watched/$token-sum-$i"
  date +%s | cut -c1-5 >/dev/null
  uname -r >/dev/null
  i=$((i + 1))
done
echo "$i $((i * 8))"
