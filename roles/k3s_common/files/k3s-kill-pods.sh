#!/bin/sh
# Managed by Slipway (role k3s_common). Kill, with SIGKILL, every containerd
# shim of the k3s data directory given as $1 and every process below it (the
# pods' containers): k3s runs with KillMode=process, so stopping the unit
# leaves them running. Prints "killed N" or "none".
set -eu
data_dir="${1:?usage: k3s-kill-pods.sh DATA_DIR}"

children() {
  ps -e -o ppid= -o pid= | awk -v parent="$1" '$1 == parent { print $2 }'
}

# Reads PIDs on stdin, prints them and all their descendants.
tree() {
  while read -r pid; do
    echo "$pid"
    children "$pid" | tree
  done
}

shims=$(ps -e -o pid= -o args= |
  awk -v prefix="$data_dir/data/" 'index($2, prefix) == 1 && $2 ~ /\/containerd-shim[^\/]*$/ { print $1 }')
if [ -z "$shims" ]; then
  echo none
  exit 0
fi
pids=$(printf '%s\n' "$shims" | tree)
printf '%s\n' "$pids" | xargs kill -9 2>/dev/null || true
echo "killed $(printf '%s\n' "$pids" | wc -l)"
