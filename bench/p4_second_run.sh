#!/usr/bin/env bash
# P4: wall time of the second site.yml run over the first on the molecule host (target <= 25 %),
# with the task count of each run. Uses the molecule scenario `default` (one systemd podman host,
# the fixture release): create + prepare, converge twice, destroy.
# Usage: bench/p4_second_run.sh     (from anywhere; needs hack/setup.sh first)
# shellcheck source=bench/molecule_host.sh
. "$(dirname "$0")/molecule_host.sh"
molecule create -s default >"$OUT/create.log" 2>&1
molecule prepare -s default >"$OUT/prepare.log" 2>&1

run() {  # run N: converge, print seconds, keep the log
  local start end
  start=$(date +%s.%N)
  molecule converge -s default >"$OUT/run$1.log" 2>&1 || { tail -30 "$OUT/run$1.log"; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
tasks() {  # tasks executed in a run = ok + failed + skipped from the recap (changed is within ok)
  awk '/PLAY RECAP/{r=1; next} r && /ok=/{for(i=1;i<=NF;i++){split($i,a,"="); if(a[1]=="ok"||a[1]=="failed"||a[1]=="skipped") n+=a[2]; if(a[1]=="changed") c+=a[2]}} END{print n, c}' "$1"
}
t1=$(run 1); t2=$(run 2)
read -r n1 c1 < <(tasks "$OUT/run1.log")
read -r n2 c2 < <(tasks "$OUT/run2.log")
printf 'P4 site.yml on one systemd podman host (fixture release)\n'
printf '  first run : %7.1f s  %4d tasks  %3d changed\n' "$t1" "$n1" "$c1"
printf '  second run: %7.1f s  %4d tasks  %3d changed\n' "$t2" "$n2" "$c2"
printf '  second / first = %.0f %% (target <= 25 %%)\n' "$(echo "100 * $t2 / $t1" | bc -l)"
