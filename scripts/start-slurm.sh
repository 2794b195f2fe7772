#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the test that grades a class through
# `python -m harness.batch.slurm` on a real scheduler (tests/batch/test_slurm_cluster.py).
# Installs Debian's slurm-wlm and munge when missing (as install-sandbox.sh does for bubblewrap),
# writes a slurm.conf for this host (its CPUs and memory, proctrack/linuxproc, task/none: no
# cgroups needed), starts munged, slurmctld and slurmd, and waits for the node to be idle.
# Never fails the caller: when the cluster cannot start it says why, and the test is skipped.
set -u
say() { echo "start-slurm: $*" >&2; }

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
        say "needs root (or passwordless sudo) to install and start SLURM; the cluster test will be skipped"
        exit 0
    fi
fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 \
            || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1; }
    fi
fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    say "slurm-wlm or munge could not be installed; the cluster test will be skipped"
    exit 0
fi

if sinfo -h -o %t 2>/dev/null | grep -q idle; then
    exit 0  # already up
fi

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
CONF_DIR=/etc/slurm
$SUDO mkdir -p "$CONF_DIR" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
$SUDO tee "$CONF_DIR/slurm.conf" >/dev/null <<EOF
ClusterName=grader
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=grading Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

if [ ! -s /etc/munge/munge.key ]; then
    $SUDO mungekey --create >/dev/null 2>&1 || $SUDO /usr/sbin/create-munge-key >/dev/null 2>&1
fi
$SUDO chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null
pgrep -x munged >/dev/null || $SUDO runuser -u munge -- /usr/sbin/munged 2>/dev/null || $SUDO /usr/sbin/munged --force
pgrep -x slurmctld >/dev/null || $SUDO /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || $SUDO /usr/sbin/slurmd

for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then
        exit 0
    fi
    sleep 1
done
say "the node did not become idle within 60 s (see /var/log/slurm/); the cluster test will be skipped"
sinfo >&2 2>/dev/null
exit 0
