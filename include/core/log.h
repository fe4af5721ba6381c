/*
 * log.h - logging for vetod and the tools (after OpenBSD's log.c).
 *
 * Until log_init() says otherwise, messages go to stderr. The daemon calls
 * log_init(..., foreground=0) after start-up and from then on logs to syslog
 * (facility daemon). log_warn() appends strerror(errno); log_warnx() does not.
 * fatal()/fatalx() log and exit(1): only main() and the tools may call them,
 * modules return -1 and leave the decision to stop to their caller.
 *
 * Privacy: callers never pass client addresses, ports or unmatched names.
 * The log module has no way to know, so the rule is enforced by review and by
 * the privacy integration test, which greps everything the daemon wrote.
 */
#ifndef VETO_LOG_H
#define VETO_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *ident, int foreground, int verbose);
void log_set_verbose(int verbose);
int log_verbose(void);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
void fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
