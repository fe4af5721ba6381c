/*
 * rpz.h - the lists in force as a Response Policy Zone, for resolver
 * fleets (unbound, BIND 9, Knot Resolver, PowerDNS Recursor) that enforce
 * the same verified list at their own scale (issue 17).
 *
 * Source: a policy snapshot's matcher, which holds exactly the entries
 * vetod enforces (feeds with no list, or disabled by expiry, are not in it;
 * the lists' own entries are dropped once it is built). For each name
 * (matcher key):
 *
 *   domain entry   `name` and `*.name` (the name and everything below it)
 *   host entry     `name` only (names below it and siblings stay allowed)
 *   url entry      left out: a path is HTTP-only, never a DNS question
 *
 * A host entry that is an IP literal is left out (no DNS question names
 * it), and so is a name too long once the origin is appended (a policy
 * name is at most 253 bytes); both are counted in rpz_stats.
 *
 * Actions (the trigger's data): nxdomain `CNAME .`, nodata `CNAME *.`,
 * stoppage the stop page's addresses as local data (A stop_page_ipv4,
 * AAAA stop_page_ipv6; at least one is needed).
 *
 * Every record line ends with a comment naming its feed id, entry id and
 * category (`; feed=F id=I cat=C`): resolvers log the policy name (the
 * zone) and the trigger; the comment ties a trigger to the list. TXT
 * records cannot carry it: a CNAME may not share its owner name with any
 * other record. Nothing about subscribers appears anywhere: the zone is a
 * function of the signed lists only.
 *
 * SOA serial: the sum, modulo 2^32, of the enforced feeds' serials (each
 * read as a decimal number modulo 2^32). With one feed and the usual
 * YYYYMMDDnn serials it is the list's serial; it grows whenever a feed
 * installs a newer list. It can go down when a feed leaves the zone
 * (disabled by expiry): resolvers that load the file (all four above) do
 * not care; a secondary fed by zone transfer needs a fresh AXFR then.
 *
 * Writing: rpz_write_file() streams to PATH.tmpXXXXXX in the same
 * directory, fsyncs it, renames it over PATH and fsyncs the directory: a
 * resolver reloading at any moment reads the old zone or the new one.
 */
#ifndef VETO_RPZ_H
#define VETO_RPZ_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/conf.h"
#include "policy/norm.h"
#include "policy/policy.h"
#include "core/util.h"


struct rpz_opts {
	int action;			/* enum conf_rpz_action */
	char origin[NORM_NAME_MAX + 1];	/* canonical, no final dot */
	uint64_t ttl;
	bool has_stop4, has_stop6;	/* stoppage: at least one */
	struct in_addr stop4;
	struct in6_addr stop6;
};

struct rpz_stats {
	uint32_t serial;
	size_t names;		/* triggers `name` */
	size_t wildcards;	/* triggers `*.name` */
	size_t skipped_url, skipped_ip, skipped_long;
	size_t bytes;		/* of the zone written */
};

/* From veto.conf: rpz_action, rpz_origin, dns_ttl, stop_page_ipv4/6.
 * -1 with e when the action is stoppage and no stop page address is set,
 * or the origin is not a valid name. */
int rpz_opts_from_conf(const struct conf *c, struct rpz_opts *o,
    struct verr *e);
/* Parse an action word ("nxdomain", "nodata", "stoppage"); -1 if none. */
int rpz_action_parse(const char *s);
/* Set o->origin from a name (canonicalised); -1 with e if invalid. */
int rpz_origin_set(struct rpz_opts *o, const char *name, struct verr *e);

/* The serial for a snapshot (see above). */
uint32_t rpz_serial(const struct policy *p);

/* Write the zone to f. 0, or -1 with e (a write error). */
int rpz_write(FILE *f, const struct policy *p, const struct rpz_opts *o,
    time_t now, struct rpz_stats *st, struct verr *e);
/* The same, atomically replacing path (mode 0644). */
int rpz_write_file(const char *path, const struct policy *p,
    const struct rpz_opts *o, time_t now, struct rpz_stats *st,
    struct verr *e);

#endif
