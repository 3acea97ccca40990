/*
 * plan.h - the parts of `ipclab bench plan` kept in files of their own
 * (plan.c holds the steps of `make bench`).
 */
#ifndef IPCLAB_PLAN_H
#define IPCLAB_PLAN_H

/* What everything a netlab run makes is called, with its process id PID:
 * its namespaces NETLAB_PREFIX-PID-client and -server, its runtime
 * directory NETLAB_PREFIX-PID.XXXXXX, its veth ends NETLAB_DEV PID c and s
 * (short: a link's name has at most 15 characters).  `plan netlab-stale`
 * finds what a killed run left by these names. */
#define NETLAB_PREFIX "ipclab-netlab"
#define NETLAB_DEV "ipl"

/* `ipclab bench plan netlab DIR ...` (plan_netlab.c): argv[0] is "netlab". */
int plan_netlab(int argc, char **argv);

/* `ipclab bench plan netlab-stale PID` (plan_netlab.c). */
int plan_netlab_stale(int argc, char **argv);

/* `ipclab bench plan netlab-lab PID` (plan_netlab.c). */
int plan_netlab_lab(int argc, char **argv);

/* `ipclab bench plan progress STEP DONE TOTAL ELAPSED [--quick]`
 * (plan_progress.c): argv[0] is "progress". */
int plan_progress(int argc, char **argv);

/* `ipclab bench plan steps` (plan_progress.c): a run's steps, in order. */
int plan_steps(int argc, char **argv);

/* `ipclab bench plan say TEXT...|--heartbeat` (plan_progress.c). */
int plan_say(int argc, char **argv);

/* `ipclab bench plan peer-figure TOOL < OUTPUT` (peer_figure.c): argv[0]
 * is "peer-figure". */
int plan_peer_figure(int argc, char **argv);

/* `ipclab bench plan rundir` (plan_machine.c). */
int plan_rundir(int argc, char **argv);
/* `ipclab bench plan free-port t|u` (plan_machine.c). */
int plan_free_port(int argc, char **argv);

#endif
