/*
 * list_commit.c - test helper: evaluate a signed list for a feed of a
 * configuration and commit the outcome to the state directory, as the
 * fetcher does (lock, evaluate, commit). Lets the integration tests put a
 * state in place before they run `veto list verify --state` and `veto list
 * confirm`.
 *
 *   list_commit -c CONF [-F FEED] LIST.json [SIG]
 *
 * Prints the verdict and the reason; exit 0 when something was committed
 * (install, held, expired) or nothing needed to be (unchanged), 1 when
 * refused or on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/conf.h"
#include "trust/guard.h"
#include "trust/trust.h"

int
main(int argc, char **argv)
{
	const char *cpath = NULL, *fname = NULL, *sigpath;
	char sigbuf[4096];
	struct conf *c;
	const struct feed_conf *f;
	struct guard *g;
	struct trust_params p;
	struct trust_feed *t;
	struct trust_candidate cand;
	struct verr e;
	uint8_t *buf, *sig;
	size_t len, siglen;
	int ch, rc = 1;

	while ((ch = getopt(argc, argv, "c:F:")) != -1) {
		if (ch == 'c')
			cpath = optarg;
		else if (ch == 'F')
			fname = optarg;
		else
			return 2;
	}
	if (cpath == NULL || optind >= argc)
		return 2;
	if (optind + 1 < argc) {
		sigpath = argv[optind + 1];
	} else {
		snprintf(sigbuf, sizeof(sigbuf), "%s.minisig", argv[optind]);
		sigpath = sigbuf;
	}
	if ((c = conf_load(cpath, &e)) == NULL)
		goto fail;
	f = fname ? conf_feed(c, fname) : &c->feeds[0];
	if (f == NULL || c->nfeeds == 0) {
		fprintf(stderr, "list_commit: no such feed\n");
		return 1;
	}
	if ((g = guard_new(c->never_block_file, &e)) == NULL ||
	    trust_params_from_conf(c, f, g, &p, &e) == -1 ||
	    (t = trust_open(&p, &e)) == NULL ||
	    trust_lock(t, true, &e) == -1 ||
	    file_read(argv[optind], (size_t)f->max_bytes, &buf, &len, &e) == -1 ||
	    file_read(sigpath, SIG_FILE_MAX, &sig, &siglen, &e) == -1)
		goto fail;
	trust_evaluate(t, buf, len, sig, siglen, time(NULL), 0, &cand);
	printf("%s: %s\n", trust_verdict_name(cand.verdict), cand.reason);
	if (cand.verdict != TRUST_REFUSED) {
		if (trust_commit(t, &cand, time(NULL), &e) == -1)
			goto fail;
		rc = 0;
	}
	trust_candidate_free(&cand);
	trust_close(t);
	guard_free(g);
	conf_free(c);
	free(buf);
	free(sig);
	return rc;
fail:
	fprintf(stderr, "list_commit: %s\n", e.msg);
	return 1;
}
