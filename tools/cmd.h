/*
 * cmd.h - the `veto` command's subcommands (wireguard-tools style): one
 * table in veto.c drives dispatch and usage; one file per subcommand.
 *
 * Each subcommand gets argc/argv starting at its own name (argv[0] is e.g.
 * "list"), prints its own --help, and returns the process exit code.
 * Tools report errors with err()/errx()-style messages on stderr.
 */
#ifndef VETO_CMD_H
#define VETO_CMD_H

#include <stddef.h>
#include <stdio.h>

struct conf;
struct list;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
};

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_conf(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* `veto list import` (cmd_list_import.c), `veto list diff` and the summary
 * `veto list confirm` prints (cmd_list_diff.c). */
int list_import(int argc, char **argv);
int list_diff(int argc, char **argv);
/* The diff summary of two lists (and at most max_lines differences, one a
 * line); returns how many entries differ. */
size_t list_diff_print(const struct list *old, const struct list *new,
    FILE *out, size_t max_lines);
/* Before `veto list confirm` installs held list SERIAL (of feed NAME, or
 * whichever feed holds it): its diff against the list in force. */
void list_confirm_preview(const struct conf *c, const char *serial,
    const char *feed);
/* `veto check --squid` (cmd_check_squid.c): Squid's external ACL helper. */
int check_squid(int argc, char **argv);
/* True if argv holds `opt' before a "--". */
int cmd_has_opt(int argc, char **argv, const char *opt);

/* True if argv holds -h or --help before a "--". */
int cmd_wants_help(int argc, char **argv);

#endif
