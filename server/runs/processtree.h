#pragma once
#include <QByteArray>
#include <QList>
#include <QSet>
#include <optional>

// Linux /proc helpers for finding and reaping the processes of one tool call. Elsewhere
// every function is a no-op that finds nothing. Thread: any (the child registry is locked).
namespace crewdeck::server::proctree {

struct ProcStat
{
    char state = '?';
    qint64 ppid = 0;
    qint64 pgrp = 0;
    QByteArray comm; // the executable's name as the kernel keeps it (also for zombies)
    bool isDead() const { return state == 'Z' || state == 'X'; }
};

QList<qint64> allPids();
std::optional<ProcStat> readStat(qint64 pid);
// The pid namespace of `pid` ("pid:[4026532...]"), empty when it cannot be read.
QByteArray pidNamespace(qint64 pid);
// Whether the environment of `pid` contains `needle` (same-uid processes only).
bool environHasMarker(qint64 pid, const QByteArray &needle);

// Pids of the direct children QProcess owns (forkfd reaps them). Orphans adopted through the
// subreaper are reaped by us, but never one of these.
void registerChild(qint64 pid);
void unregisterChild(qint64 pid);
bool isOwnedChild(qint64 pid);
// Reaps `pid` if it is an exited child of ours that QProcess does not own.
bool reapIfOurZombie(qint64 pid, const ProcStat &st);
// PR_SET_CHILD_SUBREAPER: processes whose parent dies re-parent to us and can be reaped.
void enableChildSubreaper();

// Unsandboxed tools (--unsafe-tools) only: a tool is its process group (`groupPid`, which is
// also its main process) plus every process whose environment holds `marker`.
// Signals them all; with SIGKILL, remembers the pids in `tracked`.
void signalGroupAndMarked(qint64 groupPid, bool mainAlive, const QByteArray &marker, int sig,
                          QSet<qint64> &tracked);
// Kills what is left of them, reaps our zombies among them, and reports whether all are gone.
bool reapGroupAndMarked(qint64 groupPid, const QByteArray &marker, QSet<qint64> &tracked);
// SIGKILLs every process whose environment holds `marker`; returns how many.
int killMarked(const QByteArray &marker);

} // namespace crewdeck::server::proctree
