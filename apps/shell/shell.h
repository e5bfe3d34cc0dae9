/*
 * The serial shell for learners: a `keel>` prompt on COM1 after ready,
 * started by `shell=on` in keel.cfg (kernel/services.c), beside the
 * application app= chose. It is an application like any other
 * (apps/conn.h): registered with KEEL_APP, options `app.shell.prompt`
 * (default "keel> ") and `app.shell.poll_ms` (1..1000, default 10), its
 * own work queue.
 *
 *   apps/shell/shell.c  the application: input polling, prompt, dispatch
 *   apps/shell/line.c   the line editor and history (portable)
 *   apps/shell/args.c   splitting a line, the table lookup (portable)
 *   apps/shell/cmds.c   the command table
 */
#ifndef KEEL_APPS_SHELL_H
#define KEEL_APPS_SHELL_H

#include "apps/shell/args.h"

extern const struct shell_cmd shell_cmds[];
extern const int shell_ncmds;

#endif
