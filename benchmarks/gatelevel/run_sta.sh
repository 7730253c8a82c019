#!/bin/sh
# Vectorless OpenSTA power for every synthesized unit (cross-check of the toggle flow).
cd "$(dirname "$0")"
for v in out/*.v; do
  case $v in *.sim.v|*.cells.v|*.tb.v) continue;; esac
  u=$(basename $v .v)
  sed "s/TOP/$u/g; s#LIB#${NANGATE45_LIB:-nangate45_typ.lib}#" sta_power.tcl.tmpl > out/$u.sta.tcl
  nice sta -exit out/$u.sta.tcl > out/$u.sta.log 2>&1
  printf '%s %s\n' $u "$(grep '^Total' out/$u.sta.log)"
done > out/sta_summary.txt
cat out/sta_summary.txt
